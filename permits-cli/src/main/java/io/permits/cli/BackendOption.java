package io.permits.cli;

import picocli.CommandLine.Option;

/** The {@code --backend} option, shared by {@code run} and {@code status} (a picocli mixin). */
final class BackendOption {

  @Option(
      names = "--backend",
      paramLabel = "BACKEND",
      converter = Backend.Converter.class,
      description =
          "Where the semaphores live: file (default: $XDG_RUNTIME_DIR/permits, or"
              + " permits-$USER in the temp directory), file:DIR, redis://HOST:PORT, or"
              + " postgresql://USER:PASSWORD@HOST:PORT/DATABASE (schema permits).")
  Backend backend = Backend.defaultBackend();

  /** Creates the option holder; picocli calls this. */
  BackendOption() {}

  Backend get() {
    return backend;
  }
}
