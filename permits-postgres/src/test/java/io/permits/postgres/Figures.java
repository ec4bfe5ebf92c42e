package io.permits.postgres;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * What the fault tests measured, for docs/postgres.md: appended to {@code
 * target/postgres-figures.txt} (tests print nothing).
 */
final class Figures {
  private static final Path FILE = Path.of("target", "postgres-figures.txt");

  private Figures() {}

  /** Appends one line made by {@code String.format(format, args)}. */
  static synchronized void record(String format, Object... args) {
    try {
      Files.createDirectories(FILE.getParent());
      Files.writeString(
          FILE,
          String.format(format, args).stripTrailing() + System.lineSeparator(),
          StandardCharsets.UTF_8,
          StandardOpenOption.CREATE,
          StandardOpenOption.APPEND);
    } catch (IOException failed) {
      throw new UncheckedIOException(failed);
    }
  }
}
