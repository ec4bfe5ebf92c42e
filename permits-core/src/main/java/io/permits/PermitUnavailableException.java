package io.permits;

import java.io.Serial;

/**
 * Thrown by {@link Semaphore#call} and {@link Semaphore#run} when no permit could be acquired
 * within the given time. The message names the semaphore, the time waited and its state.
 */
public class PermitUnavailableException extends RuntimeException {
  @Serial private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message names the semaphore, the time waited and its state
   */
  public PermitUnavailableException(String message) {
    super(message);
  }
}
