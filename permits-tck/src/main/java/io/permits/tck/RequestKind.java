package io.permits.tck;

import io.permits.Semaphore;

/**
 * The request methods that take a permit count, for tests that check each of them the same
 * way (bad input, requests after close).
 */
public enum RequestKind {
  /** {@link Semaphore#acquire(int)}. */
  ACQUIRE,
  /** {@link Semaphore#tryAcquire(int)}. */
  TRY_ACQUIRE,
  /** {@link Semaphore#tryAcquire(int, java.time.Duration)} with {@link Await#LONG}. */
  TIMED_TRY_ACQUIRE,
  /** {@link Semaphore#acquireAsync(int)}. */
  ACQUIRE_ASYNC;

  /**
   * Makes the request.
   *
   * @param semaphore the semaphore to ask
   * @param permits how many permits
   * @return what the method returned: a {@code Permit}, an {@code Optional<Permit>} or a
   *     {@code CompletableFuture<Permit>}
   * @throws Exception whatever the method threw
   */
  public Object request(Semaphore semaphore, int permits) throws Exception {
    return switch (this) {
      case ACQUIRE -> semaphore.acquire(permits);
      case TRY_ACQUIRE -> semaphore.tryAcquire(permits);
      case TIMED_TRY_ACQUIRE -> semaphore.tryAcquire(permits, Await.LONG);
      case ACQUIRE_ASYNC -> semaphore.acquireAsync(permits);
    };
  }
}
