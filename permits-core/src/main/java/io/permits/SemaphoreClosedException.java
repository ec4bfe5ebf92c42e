package io.permits;

import java.io.Serial;

/**
 * Thrown by a request to a semaphore that was closed, and used to fail every request that was
 * waiting when it closed. Permits already held stay valid and may still be closed.
 */
public class SemaphoreClosedException extends IllegalStateException {
  @Serial private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message says which semaphore was closed and what was asked of it
   */
  public SemaphoreClosedException(String message) {
    super(message);
  }
}
