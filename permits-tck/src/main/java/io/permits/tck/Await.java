package io.permits.tck;

import io.permits.Semaphore;
import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * Waiting for a state instead of sleeping: every helper spins (yielding the processor) until a
 * condition holds, and fails with a message describing the semaphore if it does not hold within
 * {@link #PATIENCE}. Use these to know that a request is queued before acting on it.
 *
 * <p>No test of the contract asserts how long anything takes: {@link #PATIENCE} only bounds how
 * long a broken backend can keep a test waiting, and is long enough not to fire on a loaded
 * machine.
 */
public final class Await {

  /** How long a helper waits for something that must happen before calling it a failure. */
  public static final Duration PATIENCE = Duration.ofSeconds(20);

  /**
   * A timeout for timed requests that are expected to succeed: long, so that a loaded machine
   * cannot make them fail.
   */
  public static final Duration LONG = Duration.ofSeconds(20);

  /**
   * A timeout for timed requests that are certain to fail (nothing will be released while they
   * wait): short, so that the test stays quick.
   */
  public static final Duration SHORT = Duration.ofMillis(10);

  private Await() {}

  /**
   * Waits until {@code semaphore.waiting() == requests}.
   *
   * @param semaphore the semaphore to watch
   * @param requests the number of queued requests to wait for
   * @throws InterruptedException if the test thread is interrupted (the test timed out)
   * @throws AssertionError if the count is not reached within {@link #PATIENCE}
   */
  public static void waiting(Semaphore semaphore, int requests) throws InterruptedException {
    until(
        () -> semaphore.waiting() == requests,
        () -> "expected " + requests + " queued request(s) on " + describe(semaphore));
  }

  /**
   * Waits until the semaphore shows {@code available} free permits and {@code waiting} queued
   * requests at the same time.
   *
   * @param semaphore the semaphore to watch
   * @param available the free permits expected
   * @param waiting the queued requests expected
   * @throws InterruptedException if the test thread is interrupted
   * @throws AssertionError if that state is not reached within {@link #PATIENCE}
   */
  public static void state(Semaphore semaphore, int available, int waiting)
      throws InterruptedException {
    until(
        () -> semaphore.available() == available && semaphore.waiting() == waiting,
        () ->
            "expected available "
                + available
                + " and waiting "
                + waiting
                + " on "
                + describe(semaphore));
  }

  /**
   * Waits until {@code semaphore.waiting() == requests}, or until {@code done} turns true,
   * whichever is seen first. Used when the request being waited for may legitimately be served
   * at once instead of queueing (for example under barging) or may expire.
   *
   * @param semaphore the semaphore to watch
   * @param requests the number of queued requests to wait for
   * @param done the other way out, typically {@link Pending#isDone()}
   * @return true if the queued count was seen, false if {@code done} turned true first
   * @throws InterruptedException if the test thread is interrupted
   * @throws AssertionError if neither happens within {@link #PATIENCE}
   */
  public static boolean queuedOrDone(Semaphore semaphore, int requests, BooleanSupplier done)
      throws InterruptedException {
    boolean[] queued = new boolean[1];
    until(
        () -> {
          if (semaphore.waiting() == requests) {
            queued[0] = true;
            return true;
          }
          return done.getAsBoolean();
        },
        () -> "expected " + requests + " queued request(s) on " + describe(semaphore));
    return queued[0];
  }

  /**
   * Waits until {@code progress} reaches {@code goal}, for as long as it keeps rising: fails only
   * if it stays the same for {@link #PATIENCE}. For long runs whose length depends on the
   * machine's speed (a loaded machine ran a chain of 20,000 hand-offs in over 20 s), where a
   * stall, not slowness, is the failure.
   *
   * @param progress how far the run has come, never falling
   * @param goal where it ends
   * @param failure describes what was expected, for the failure message
   * @throws InterruptedException if the test thread is interrupted
   * @throws AssertionError if the progress stands still for {@link #PATIENCE} before the goal
   */
  public static void whileProgressing(LongSupplier progress, long goal, Supplier<String> failure)
      throws InterruptedException {
    long seen = progress.getAsLong();
    while (seen < goal) {
      long from = seen;
      try {
        until(() -> progress.getAsLong() != from, failure);
      } catch (AssertionError stalled) {
        throw new AssertionError(
            failure.get() + ": stood still at " + from + " of " + goal + " for " + PATIENCE);
      }
      seen = progress.getAsLong();
    }
  }

  /**
   * Waits until {@code condition} holds.
   *
   * @param condition the condition, polled
   * @param failure describes what was expected, for the failure message
   * @throws InterruptedException if the test thread is interrupted
   * @throws AssertionError if the condition does not hold within {@link #PATIENCE}
   */
  public static void until(BooleanSupplier condition, Supplier<String> failure)
      throws InterruptedException {
    long deadline = System.nanoTime() + PATIENCE.toNanos();
    for (int spins = 0; !condition.getAsBoolean(); spins++) {
      if (Thread.interrupted()) {
        throw new InterruptedException("interrupted while waiting: " + failure.get());
      }
      if (System.nanoTime() - deadline > 0) {
        throw new AssertionError(failure.get() + ", still not so after " + PATIENCE);
      }
      if ((spins & 63) == 63) {
        Thread.yield();
      } else {
        Thread.onSpinWait();
      }
    }
  }

  /**
   * Describes a semaphore's state for failure messages: name, limit, free permits, queued
   * requests.
   *
   * @param semaphore the semaphore
   * @return for example {@code "tck-1 (limit 2, available 0, waiting 1)"}
   */
  public static String describe(Semaphore semaphore) {
    return "'"
        + semaphore.name()
        + "' (limit "
        + semaphore.limit()
        + ", available "
        + semaphore.available()
        + ", waiting "
        + semaphore.waiting()
        + (semaphore.isClosed() ? ", closed" : "")
        + ")";
  }
}
