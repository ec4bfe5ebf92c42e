package io.permits;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;

/**
 * A counting semaphore: a set of permits that callers acquire, as {@link Permit} objects, and
 * release by closing them, to bound how many use a resource at once.
 *
 * <p>Each acquisition returns a {@code Permit}; closing it gives the permits back, once, from
 * any thread. Used in try-with-resources no permit leaks and none is released twice. A request
 * may ask for several permits at once (a weight); it gets all of them or none. Requests wait
 * as long as it takes ({@link #acquire()}), not at all ({@link #tryAcquire()}), up to a timeout
 * ({@link #tryAcquire(Duration)}), or asynchronously ({@link #acquireAsync()}); a waiting
 * request leaves the queue on timeout, interrupt, cancellation of its future, or {@link
 * #close()}, and any permits already set aside for it go to the next waiter.
 *
 * <p>This is the Java form of Python's {@code threading.Semaphore}:
 *
 * <pre> {@code
 * // sem = threading.Semaphore(2)
 * Semaphore sem = Semaphore.of(2);
 *
 * // with sem:
 * //     use(resource)
 * try (Permit permit = sem.acquire()) {
 *   use(resource);
 * }
 *
 * // if sem.acquire(timeout=1): ... else: ...
 * Optional<Permit> maybe = sem.tryAcquire(Duration.ofSeconds(1));
 * if (maybe.isPresent()) {
 *   try (Permit permit = maybe.get()) {
 *     use(resource);
 *   }
 * } else {
 *   System.out.println("could not acquire the resource");
 * }
 *
 * // or, with the release handled for you:
 * String answer = sem.call(Duration.ofSeconds(1), () -> query(resource));
 * }</pre>
 *
 * <p>Implementations: {@link LocalSemaphore} for the threads of one JVM; other modules provide
 * semaphores shared by processes on one host or across machines, with the same contract
 * (checked by the permits-tck suite).
 *
 * <p>Rules every implementation keeps: permits are conserved ({@code held + available ==
 * limit} once the limit is settled) and never over-granted; weighted requests are atomic;
 * impossible requests ({@code permits < 1}, {@code permits > limit()}, a negative timeout, a
 * null) fail at once with {@link IllegalArgumentException} or {@link NullPointerException};
 * after {@link #close()} new and queued requests fail with {@link SemaphoreClosedException};
 * waiting never pins a virtual thread.
 *
 * <p>Memory consistency: actions in a thread before closing a {@link Permit} <i>happen-before</i>
 * actions following a successful acquisition in another thread.
 */
public interface Semaphore extends AutoCloseable {

  /**
   * Creates an in-process semaphore with the given number of permits and default settings, as
   * Python's {@code threading.Semaphore(permits)}.
   *
   * @param permits the limit, at least 1
   * @return a new semaphore
   * @throws IllegalArgumentException if {@code permits < 1}
   */
  static LocalSemaphore of(int permits) {
    return LocalSemaphore.builder().limit(permits).build();
  }

  /**
   * The semaphore's name, used in error messages, metrics and diagnostics.
   *
   * @return the name
   */
  String name();

  /**
   * The total number of permits.
   *
   * @return the limit, at least 1
   */
  int limit();

  /**
   * The number of permits free now; an estimate while other threads go on.
   *
   * @return free permits, never negative
   */
  int available();

  /**
   * The number of requests queued now; an estimate while other threads go on.
   *
   * @return queued requests
   */
  int waiting();

  /**
   * Acquires one permit, waiting as long as it takes.
   *
   * @return the permit; close it to release
   * @throws InterruptedException if the thread is interrupted while waiting (nothing is held)
   * @throws SemaphoreClosedException if the semaphore is or becomes closed
   */
  default Permit acquire() throws InterruptedException {
    return acquire(1);
  }

  /**
   * Acquires {@code permits} permits at once, waiting as long as it takes.
   *
   * @param permits how many, from 1 to {@link #limit()}
   * @return a permit holding them all; close it to release
   * @throws InterruptedException if the thread is interrupted while waiting (nothing is held)
   * @throws IllegalArgumentException if {@code permits} is out of range, or a shrink of the
   *     limit made the request impossible while it waited
   * @throws SemaphoreClosedException if the semaphore is or becomes closed
   */
  Permit acquire(int permits) throws InterruptedException;

  /**
   * Acquires one permit if one can be had now, without waiting.
   *
   * @return the permit, or empty if none is free (or, under {@link Fairness#STRICT}, others
   *     are waiting)
   * @throws SemaphoreClosedException if the semaphore is closed
   */
  default Optional<Permit> tryAcquire() {
    return tryAcquire(1);
  }

  /**
   * Acquires {@code permits} permits if they can be had now, without waiting.
   *
   * @param permits how many, from 1 to {@link #limit()}
   * @return a permit holding them all, or empty
   * @throws IllegalArgumentException if {@code permits} is out of range
   * @throws SemaphoreClosedException if the semaphore is closed
   */
  Optional<Permit> tryAcquire(int permits);

  /**
   * Acquires one permit, waiting at most {@code timeout}.
   *
   * @param timeout the longest wait; zero means do not wait
   * @return the permit, or empty if the time ran out
   * @throws InterruptedException if the thread is interrupted while waiting (nothing is held)
   * @throws IllegalArgumentException if {@code timeout} is negative
   * @throws SemaphoreClosedException if the semaphore is or becomes closed
   */
  default Optional<Permit> tryAcquire(Duration timeout) throws InterruptedException {
    return tryAcquire(1, timeout);
  }

  /**
   * Acquires {@code permits} permits at once, waiting at most {@code timeout}.
   *
   * <p>If the permits are granted at the instant the time runs out, the grant wins and the
   * permit is returned.
   *
   * @param permits how many, from 1 to {@link #limit()}
   * @param timeout the longest wait; zero means do not wait
   * @return a permit holding them all, or empty if the time ran out
   * @throws InterruptedException if the thread is interrupted while waiting (nothing is held)
   * @throws IllegalArgumentException if {@code permits} is out of range or {@code timeout}
   *     negative
   * @throws SemaphoreClosedException if the semaphore is or becomes closed
   */
  Optional<Permit> tryAcquire(int permits, Duration timeout) throws InterruptedException;

  /**
   * Requests one permit without blocking the caller.
   *
   * @return a future completed with the permit; {@code cancel} withdraws the request
   * @see #acquireAsync(int)
   */
  default CompletableFuture<Permit> acquireAsync() {
    return acquireAsync(1);
  }

  /**
   * Requests {@code permits} permits without blocking the caller. The request waits in the
   * same queue as blocking ones.
   *
   * <p>Cancelling the returned future (or completing it by any other means) withdraws the
   * request; permits already set aside for it go to the next waiter. If a grant races the
   * cancellation exactly one wins: either the future holds the permit, or it is cancelled and
   * the permits went back to the semaphore. The future is never completed while the semaphore
   * holds an internal lock, so dependent actions may call back into it.
   *
   * <p>A caller that stops waiting for the future (for example because {@code future.get()}
   * was interrupted) must cancel it, and close the permit if {@code cancel} returns false:
   * otherwise the permit is granted to a future nobody reads, and is held forever.
   *
   * @param permits how many, from 1 to {@link #limit()}
   * @return a future completed with a permit holding them all, or exceptionally with {@link
   *     SemaphoreClosedException} (or {@link IllegalArgumentException} if a shrink made the
   *     request impossible)
   * @throws IllegalArgumentException if {@code permits} is out of range
   */
  CompletableFuture<Permit> acquireAsync(int permits);

  /**
   * Runs {@code task} while holding one permit, acquired within {@code maxWait}. The permit is
   * released whatever the task does.
   *
   * @param maxWait the longest wait for the permit
   * @param task the work to run
   * @param <T> the task's result type
   * @return what the task returned
   * @throws PermitUnavailableException if no permit came within {@code maxWait}
   * @throws InterruptedException if interrupted while waiting for the permit
   * @throws Exception whatever the task throws
   */
  @SuppressWarnings("try") // the permit is held, not used, by the try block
  default <T> T call(Duration maxWait, Callable<T> task) throws Exception {
    Objects.requireNonNull(task, "task");
    try (Permit ignored = acquireWithin(this, maxWait)) {
      return task.call();
    }
  }

  /**
   * Runs {@code task} while holding one permit, acquired within {@code maxWait}. The permit is
   * released whatever the task does.
   *
   * @param maxWait the longest wait for the permit
   * @param task the work to run
   * @throws PermitUnavailableException if no permit came within {@code maxWait}
   * @throws InterruptedException if interrupted while waiting for the permit
   */
  @SuppressWarnings("try") // the permit is held, not used, by the try block
  default void run(Duration maxWait, Runnable task) throws InterruptedException {
    Objects.requireNonNull(task, "task");
    try (Permit ignored = acquireWithin(this, maxWait)) {
      task.run();
    }
  }

  /**
   * Changes the number of permits without blocking the caller. Growing hands the new permits to
   * waiters. Shrinking takes effect for new grants at once: they wait until the permits held
   * fall below the new limit; holders are not disturbed; queued requests larger than the new
   * limit fail with {@link IllegalArgumentException}.
   *
   * @param limit the new limit, at least 1
   * @throws IllegalArgumentException if {@code limit < 1}
   */
  void setLimit(int limit);

  /**
   * A snapshot of the current state and running totals.
   *
   * @return the statistics
   */
  SemaphoreStats stats();

  /**
   * The permits held now, oldest first: by whom, since when and, where the backend records it,
   * acquired where. What {@code permits status} prints. A backend that does not track holders
   * (for {@link LocalSemaphore}, unless built to) returns an empty list.
   *
   * @return a snapshot of the holders
   */
  default java.util.List<PermitHolder> holders() {
    return java.util.List.of();
  }

  /**
   * Whether {@link #close()} was called.
   *
   * @return true once closed
   */
  boolean isClosed();

  /**
   * Closes the semaphore: every queued request and every later one fails with {@link
   * SemaphoreClosedException}. Permits already held stay valid and may still be closed.
   * Idempotent.
   */
  @Override
  void close();

  private static Permit acquireWithin(Semaphore semaphore, Duration maxWait)
      throws InterruptedException {
    Objects.requireNonNull(maxWait, "maxWait");
    return semaphore
        .tryAcquire(1, maxWait)
        .orElseThrow(
            () ->
                new PermitUnavailableException(
                    "no permit of semaphore '"
                        + semaphore.name()
                        + "' within "
                        + maxWait
                        + " (limit "
                        + semaphore.limit()
                        + ", available "
                        + semaphore.available()
                        + ", waiting "
                        + semaphore.waiting()
                        + ")"));
  }
}
