package io.permits.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * What a test measured, for the docs: appended to {@code target/figures.txt} of the module whose
 * tests run (tests print nothing).
 */
public final class Figures {
  private static final Path FILE = Path.of("target", "figures.txt");

  private Figures() {}

  /**
   * Appends one line made by {@code String.format(format, args)}.
   *
   * @param format a format string
   * @param args its arguments
   */
  public static synchronized void record(String format, Object... args) {
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
