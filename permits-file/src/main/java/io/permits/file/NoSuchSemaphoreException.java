package io.permits.file;

import java.nio.file.Path;

/**
 * Thrown when a file semaphore is looked up (by {@link FileSemaphore#status(Path, String)}, say)
 * that no process has created in that directory.
 */
public final class NoSuchSemaphoreException extends IllegalStateException {

  private static final long serialVersionUID = 1L;

  NoSuchSemaphoreException(String name, Path directory) {
    super("no semaphore '" + name + "' in " + directory);
  }
}
