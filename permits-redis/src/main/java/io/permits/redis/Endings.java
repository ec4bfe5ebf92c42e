package io.permits.redis;

import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Settles requests that gave up: {@link #cancel} withdraws a request's ticket and ends whatever
 * its scripts were granted, and is waited for, so that nothing is held for a caller told "no".
 * The cancel names the request's id and is safe to run twice, so one lost to the connection is
 * simply sent again: up to {@link #ATTEMPTS} times, {@link #RETRY_MILLIS} apart. An error from
 * the server itself, or the last failure, is logged: a lease then expires in Redis within its
 * length, a ticket within a second.
 */
final class Endings {

  private static final System.Logger LOG = System.getLogger(Endings.class.getName());
  private static final int ATTEMPTS = 5;
  private static final long RETRY_MILLIS = 100;
  /** A cancel is waited for at most this long; it goes on in the background after that. */
  private static final long CANCEL_PATIENCE_NANOS = TimeUnit.SECONDS.toNanos(2);
  /**
   * How long a cancelled id stays refused: longer than any copy of its acquire script may take to
   * reach Redis (Lettuce sends it again once reconnected).
   */
  static final long TOMBSTONE_MILLIS = TimeUnit.MINUTES.toMillis(10);

  private final String name;
  private final ScriptCalls calls;
  private final ScheduledExecutorService timer;

  Endings(String name, ScriptCalls calls, ScheduledExecutorService timer) {
    this.name = name;
    this.calls = calls;
    this.timer = timer;
  }

  /**
   * Cancels a request's id: withdraws its ticket, ends a lease granted to it meanwhile, and
   * refuses a late copy of its acquire script. Waits while failures come quickly, at most {@link
   * #CANCEL_PATIENCE_NANOS}; goes on in the background after that.
   */
  void cancel(String id) {
    String[] args = {id, Long.toString(TOMBSTONE_MILLIS)};
    long began = System.nanoTime();
    for (int attempt = 1; ; attempt++) {
      try {
        calls.call(RedisScripts.CANCEL, args);
        return;
      } catch (RedisSemaphoreException failed) {
        boolean patient = System.nanoTime() - began < CANCEL_PATIENCE_NANOS;
        if (ScriptCalls.isServerError(failed) || !patient || attempt == ATTEMPTS) {
          send(args, attempt + 1);
          return;
        }
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(RETRY_MILLIS));
      }
    }
  }

  /** Sends a cancel in the background, again while the connection fails. */
  private void send(String[] args, int attempt) {
    try {
      calls
          .send(RedisScripts.CANCEL, args)
          .whenComplete(
              (reply, failure) -> {
                if (failure != null) {
                  again(args, attempt, failure);
                }
              });
    } catch (RedisSemaphoreException unreachable) {
      again(args, attempt, unreachable);
    }
  }

  private void again(String[] args, int attempt, Throwable failure) {
    if (attempt < ATTEMPTS && !ScriptCalls.isServerError(failure)) {
      // on a virtual thread: reopening the connections may wait for a connect timeout, which
      // must not hold up the JVM's one watchdog thread
      timer.schedule(
          () -> Thread.startVirtualThread(() -> send(args, attempt + 1)),
          RETRY_MILLIS,
          TimeUnit.MILLISECONDS);
      return;
    }
    LOG.log(
        System.Logger.Level.WARNING,
        "semaphore ''{0}'': cancelling request {1} failed ({2}); its ticket lapses in a second,"
            + " a lease it was granted expires by itself",
        name,
        args[0],
        String.valueOf(failure.getMessage()));
  }
}
