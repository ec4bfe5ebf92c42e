package io.permits.postgres;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Ends what a semaphore's requests leave in PostgreSQL: the release of a closed lease, and the
 * cancel of a request that gave up or whose outcome is unknown; each retried until settled.
 */
final class Endings {

  /*
   * Implementation notes. Both endings are safe to run twice (a release names its lease's id and
   * token, a cancel its request's id), so each is sent again, on a fresh connection from the pool,
   * until it ran, or the server refused it for what it is (Calls.worthRetrying).
   *
   * A release runs on the closing thread (one round trip: a count asked for after close() sees
   * it); if it fails it goes on in the background, RETRY_MILLIS apart, until the lease would have
   * expired in PostgreSQL by itself.
   *
   * A cancel runs on a virtual thread of its own, and the request's caller waits for it at most
   * CANCEL_PATIENCE_MILLIS (a pool that cannot connect may hold each attempt for its own
   * timeout): settled, the caller is answered; not settled, the caller is told so (RemoteRequest
   * fails loudly when the outcome was unknown), and the attempts go on in the background, up to
   * TOMBSTONE_MILLIS, as long as a late copy of the request's acquire could still arrive.
   */

  private static final System.Logger LOG = System.getLogger(Endings.class.getName());
  static final long CANCEL_PATIENCE_MILLIS = 2_000;
  private static final long RETRY_MILLIS = 200;
  private static final long MAX_RETRY_MILLIS = 2_000;
  private static final long TOMBSTONE_MILLIS = 600_000;

  private final Calls calls;
  private final ScheduledExecutorService timer;

  Endings(Calls calls, ScheduledExecutorService timer) {
    this.calls = calls;
    this.timer = timer;
  }

  /**
   * Releases a lease (of {@code permits}); never throws. {@code done} runs once it is settled
   * or given up.
   *
   * @param deadlineNanos the holder's deadline: past it, the lease expires by itself
   */
  void release(String id, long token, int permits, long deadlineNanos, Runnable done) {
    try {
      calls.release(id, token, permits);
      done.run();
    } catch (RuntimeException failed) {
      retryRelease(id, token, permits, deadlineNanos, done, failed, 1);
    }
  }

  private void retryRelease(
      String id, long token, int permits, long deadlineNanos, Runnable done,
      RuntimeException failure, int attempt) {
    if (!Calls.worthRetrying(failure) || System.nanoTime() - deadlineNanos > 0) {
      LOG.log(System.Logger.Level.WARNING,
          "semaphore ''{0}'': releasing lease {1} failed after {2} attempt(s) ({3}); it expires"
              + " in PostgreSQL by itself", calls.name(), id, attempt, failure.getMessage());
      done.run();
      return;
    }
    timer.schedule(
        () -> Thread.startVirtualThread(() -> {
          try {
            calls.release(id, token, permits);
            done.run();
          } catch (RuntimeException again) {
            retryRelease(id, token, permits, deadlineNanos, done, again, attempt + 1);
          }
        }),
        RETRY_MILLIS,
        TimeUnit.MILLISECONDS);
  }

  /**
   * Cancels a request's id: withdraws its ticket, ends any lease it was granted, and refuses a
   * late copy of its acquire. Waits until that is settled, at most {@link
   * #CANCEL_PATIENCE_MILLIS}; the attempts go on in the background after that.
   *
   * @return true if settled, false if it goes on in the background
   */
  boolean cancel(String id) {
    CompletableFuture<Boolean> settled = new CompletableFuture<>();
    long started = System.nanoTime();
    Thread.startVirtualThread(() -> cancelUntilSettled(id, started, 1, settled));
    boolean interrupted = Thread.interrupted();
    try {
      return settled
          .completeOnTimeout(false, CANCEL_PATIENCE_MILLIS, TimeUnit.MILLISECONDS)
          .join(); // waits through interrupts, and keeps them
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private void cancelUntilSettled(
      String id, long started, int attempt, CompletableFuture<Boolean> settled) {
    try {
      calls.cancel(id);
      if (!settled.complete(true)) {
        LOG.log(System.Logger.Level.INFO,
            "semaphore ''{0}'': request {1} cancelled at attempt {2}", calls.name(), id, attempt);
      }
    } catch (RuntimeException failed) {
      long elapsed = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
      if (!Calls.worthRetrying(failed) || elapsed > TOMBSTONE_MILLIS) {
        LOG.log(System.Logger.Level.ERROR,
            "semaphore ''{0}'': cancelling request {1} failed after {2} attempt(s), giving up"
                + " ({3}); a lease it may hold expires within its length", calls.name(), id,
            attempt, failed.getMessage());
        settled.complete(false);
        return;
      }
      if (attempt == 3) {
        LOG.log(System.Logger.Level.WARNING,
            "semaphore ''{0}'': cancelling request {1} failed 3 times ({2}); retrying",
            calls.name(), id, failed.getMessage());
      }
      long delay = Math.min(MAX_RETRY_MILLIS, RETRY_MILLIS * attempt);
      timer.schedule(
          () -> Thread.startVirtualThread(
              () -> cancelUntilSettled(id, started, attempt + 1, settled)),
          delay,
          TimeUnit.MILLISECONDS);
    }
  }
}
