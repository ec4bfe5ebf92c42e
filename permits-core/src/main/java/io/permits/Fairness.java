package io.permits;

/**
 * The order in which a semaphore grants permits when requests compete.
 *
 * <p>Every mode keeps the same guarantees of conservation, bound and atomic weighted requests,
 * and a release wakes at most one waiter per grant it can make, never a herd. The modes differ
 * in whether a newcomer may take free permits while others wait, and so in what a release does
 * with its permits: {@link #STRICT} (and {@link #BOUNDED} while a waiter is overdue) hands them to
 * the head of the queue; {@link #BARGING} (and {@link #BOUNDED} otherwise) leaves them free and
 * wakes the head to compete for them, as the JDK's non-fair semaphore does, so threads that
 * outnumber permits do not pay a park and an unpark for every acquire. Measurements:
 * {@code docs/benchmarks.md}.
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
   * order until a waiter is served that had not waited that long (or the queue drains), then
   * barging again, as Go's {@code sync.Mutex} leaves its starvation mode. Throughput stays near
   * {@link #BARGING} while no wait grows without bound; the default mode.
   */
  BOUNDED,

  /**
   * A newcomer may take free permits ahead of waiters, as the JDK's non-fair mode allows. The
   * highest throughput; a waiter, above all one asking for many permits, may wait a long time.
   */
  BARGING
}
