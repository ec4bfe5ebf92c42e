package io.permits;

/**
 * The order in which a semaphore grants permits when requests compete.
 *
 * <p>Every mode hands released permits to the head of the wait queue (a release wakes at most
 * the waiters it can satisfy, never a herd), and every mode keeps the same guarantees of
 * conservation, bound and atomic weighted requests. The modes differ in whether a newcomer may
 * take free permits while others wait.
 */
public enum Fairness {

  /**
   * Requests are served in arrival order. A large request is never overtaken by smaller ones
   * behind it, not even by an untimed {@code tryAcquire} (unlike the JDK's fair mode): free
   * permits are assigned to the head of the queue until it has all it asked for. No wait is
   * unbounded, at the cost of throughput when threads outnumber permits.
   */
  STRICT,

  /**
   * Barging until the oldest waiter has waited longer than a bound ({@link
   * LocalSemaphore.Builder#handoffAfter(java.time.Duration)}), then strict handoff in arrival
   * order until the queue drains. Throughput stays near {@link #BARGING} while no wait grows
   * without bound.
   */
  BOUNDED,

  /**
   * A newcomer may take free permits ahead of waiters, as the JDK's non-fair mode allows. The
   * highest throughput; a waiter, above all one asking for many permits, may wait a long time.
   */
  BARGING
}
