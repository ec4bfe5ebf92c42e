package io.permits.cli;

import java.util.regex.Pattern;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * The {@code --backend} and {@code --schema} options, shared by {@code run} and {@code status} (a
 * picocli mixin).
 */
final class BackendOption {

  /** PostgreSQL's unquoted names, as permits-postgres accepts them for a schema. */
  private static final Pattern SCHEMA = Pattern.compile("[a-z_][a-z0-9_]{0,62}");

  @Spec(Spec.Target.MIXEE)
  CommandSpec command;

  @Option(
      names = "--backend",
      paramLabel = "BACKEND",
      converter = Backend.Converter.class,
      description =
          "Where the semaphores live: file (default: $XDG_RUNTIME_DIR/permits, or"
              + " permits-$USER in the temp directory), file:DIR, redis://HOST:PORT, or"
              + " postgresql://USER:PASSWORD@HOST:PORT/DATABASE.")
  Backend backend = Backend.defaultBackend();

  @Option(
      names = "--schema",
      paramLabel = "SCHEMA",
      description =
          "With a postgresql:// backend: the schema of the semaphores' tables (default:"
              + " permits); made on first use if the user may create it.")
  String schema;

  /** Creates the option holder; picocli calls this. */
  BackendOption() {}

  /**
   * The backend the options name.
   *
   * @throws ParameterException if {@code --schema} is bad, or given for another backend
   */
  Backend get() {
    if (schema == null) {
      return backend;
    }
    if (!(backend instanceof Backend.Postgres postgres)) {
      throw new ParameterException(
          command.commandLine(), "--schema is for a postgresql:// backend, not " + backend.where());
    }
    if (!SCHEMA.matcher(schema).matches()) {
      throw new ParameterException(
          command.commandLine(),
          "bad --schema '" + schema + "': use 1 to 63 lower-case letters, digits or '_', not"
              + " starting with a digit");
    }
    return postgres.withSchema(schema);
  }
}
