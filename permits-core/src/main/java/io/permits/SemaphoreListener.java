package io.permits;

/**
 * Receives a semaphore's events, for metrics, tracing or logs: {@code
 * LocalSemaphore.builder().listener(myListener)}. Every method has an empty default, so a
 * listener implements only what it needs.
 *
 * <p>Calls are made on the thread where the event happened (the acquiring, releasing or
 * giving-up thread; for a future, the thread that completes it), never while the semaphore holds
 * its internal lock. They should be quick: they run on the caller's path. A listener that throws
 * does not break the semaphore: the exception is logged once per semaphore through {@link
 * System.Logger} (logger {@code io.permits}) and the operation goes on.
 *
 * <p>Durations are in nanoseconds, from {@link System#nanoTime()}. A request granted without
 * waiting reports a wait of 0. With a listener, each acquire and release reads the clock once,
 * to measure the hold; see {@code docs/benchmarks.md} for what that costs.
 */
public interface SemaphoreListener {

  /**
   * The listener was attached to a semaphore being built; called once per semaphore, from
   * {@link LocalSemaphore.Builder#build()}, so that a metrics binder can register gauges.
   *
   * @param semaphore the new semaphore
   */
  default void attached(Semaphore semaphore) {}

  /**
   * A request was granted.
   *
   * @param semaphore the semaphore's name
   * @param permits the request's weight
   * @param waitedNanos how long it waited (0 if it did not queue)
   */
  default void acquired(String semaphore, int permits, long waitedNanos) {}

  /**
   * A permit was closed.
   *
   * @param semaphore the semaphore's name
   * @param permits its weight
   * @param heldNanos how long it was held
   */
  default void released(String semaphore, int permits, long heldNanos) {}

  /**
   * A {@code tryAcquire} without a timeout found too few permits.
   *
   * @param semaphore the semaphore's name
   * @param permits the request's weight
   */
  default void rejected(String semaphore, int permits) {}

  /**
   * A timed request ran out of time.
   *
   * @param semaphore the semaphore's name
   * @param permits the request's weight
   * @param waitedNanos how long it waited
   */
  default void timedOut(String semaphore, int permits, long waitedNanos) {}

  /**
   * A queued request was given up by its caller: its thread was interrupted or its future was
   * cancelled (or completed by the caller), or {@link Semaphore#close()} failed it.
   *
   * @param semaphore the semaphore's name
   * @param permits the request's weight
   * @param waitedNanos how long it waited
   */
  default void cancelled(String semaphore, int permits, long waitedNanos) {}

  /**
   * Leak detection reported a permit: held past the threshold, or unreachable while held.
   *
   * @param semaphore the semaphore's name
   * @param permits the permit's weight
   * @param heldNanos how long it had been held when reported
   */
  default void leaked(String semaphore, int permits, long heldNanos) {}
}
