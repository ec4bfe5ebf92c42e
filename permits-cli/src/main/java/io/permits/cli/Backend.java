package io.permits.cli;

import io.permits.file.FileSemaphore;
import java.nio.file.Path;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * Where a command's semaphores live, from {@code --backend}: {@code file} (the default
 * directory of {@link FileSemaphore#defaultDirectory()}) or {@code file:DIR}.
 *
 * @param directory the directory of the semaphores' files
 */
record Backend(Path directory) {

  static final String FORMS = "file, or file:DIRECTORY";

  /** The default: files in the per-user default directory. */
  static Backend defaultBackend() {
    return new Backend(FileSemaphore.defaultDirectory());
  }

  /** Reads {@code --backend}; a bad value is a usage error naming it. */
  static final class Converter implements ITypeConverter<Backend> {
    /** Creates the converter; picocli calls this. */
    Converter() {}

    @Override
    public Backend convert(String value) {
      if (value.equals("file")) {
        return defaultBackend();
      }
      if (value.startsWith("file:") && value.length() > "file:".length()) {
        return new Backend(Path.of(value.substring("file:".length())));
      }
      if (value.startsWith("redis://") || value.startsWith("rediss://")) {
        throw new TypeConversionException(
            "'" + value + "': the Redis backend is not available yet; use " + FORMS);
      }
      throw new TypeConversionException("'" + value + "' is not a backend; use " + FORMS);
    }
  }
}
