package io.permits.file;

import java.nio.file.Path;

/**
 * Thrown when a file semaphore is opened with a limit other than the one recorded beside its
 * locks. Every process that shares a semaphore must agree on its limit; to change it, open the
 * semaphore with {@link FileSemaphore.Builder#changeLimit(boolean) changeLimit(true)} (or call
 * {@link FileSemaphore#setLimit(int)}), or pass {@code --change-limit} to {@code permits run}.
 */
public final class LimitMismatchException extends IllegalStateException {

  private static final long serialVersionUID = 1L;

  /** The limit recorded in the file. */
  private final int recorded;

  /** The limit the caller asked for. */
  private final int requested;

  LimitMismatchException(String name, Path directory, int recorded, int requested) {
    super(
        "semaphore '"
            + name
            + "' in "
            + directory
            + " has limit "
            + recorded
            + ", not "
            + requested
            + ": open it with limit "
            + recorded
            + ", or ask to change the limit (changeLimit(true); permits run --change-limit)");
    this.recorded = recorded;
    this.requested = requested;
  }

  /**
   * The limit recorded in the file, which every process sharing the semaphore uses.
   *
   * @return the recorded limit
   */
  public int recorded() {
    return recorded;
  }

  /**
   * The limit the caller asked for.
   *
   * @return the requested limit
   */
  public int requested() {
    return requested;
  }
}
