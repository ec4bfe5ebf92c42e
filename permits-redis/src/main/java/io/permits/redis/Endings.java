package io.permits.redis;

import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Ends leases and requests in Redis: {@link #release} a closed lease (sent, not waited for), and
 * {@link #cancel} a request that gave up (waited for, so that it is settled before its caller is
 * answered). Both scripts name what they end (a lease by id and token, a request by id) and are
 * safe to run twice, so one lost to the connection is simply sent again: up to {@link #ATTEMPTS}
 * times, {@link #RETRY_MILLIS} apart. An error from the server itself, or the last failure, is
 * logged: a lease then expires in Redis within its length, a ticket within a second.
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

  /** Sends the release of a lease; {@code done} runs once it is settled or given up. */
  void release(String id, long token, Runnable done) {
    send(RedisScripts.RELEASE, new String[] {id, Long.toString(token)}, done, 1);
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
          send(RedisScripts.CANCEL, args, () -> {}, attempt + 1);
          return;
        }
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(RETRY_MILLIS));
      }
    }
  }

  private void send(RedisScripts script, String[] args, Runnable done, int attempt) {
    try {
      calls
          .send(script, args)
          .whenComplete(
              (reply, failure) -> {
                if (failure == null) {
                  done.run();
                } else {
                  again(script, args, done, attempt, failure);
                }
              });
    } catch (RedisSemaphoreException unreachable) {
      again(script, args, done, attempt, unreachable);
    }
  }

  private void again(
      RedisScripts script, String[] args, Runnable done, int attempt, Throwable failure) {
    if (attempt < ATTEMPTS && !ScriptCalls.isServerError(failure)) {
      // on a virtual thread: reopening the connections may wait for a connect timeout, which
      // must not hold up the JVM's one watchdog thread
      timer.schedule(
          () -> Thread.startVirtualThread(() -> send(script, args, done, attempt + 1)),
          RETRY_MILLIS,
          TimeUnit.MILLISECONDS);
      return;
    }
    LOG.log(
        System.Logger.Level.WARNING,
        "semaphore ''{0}'': {1} of {2} failed ({3}); it expires in Redis by itself",
        name,
        script.name().toLowerCase(),
        args[0],
        String.valueOf(failure.getMessage()));
    done.run();
  }
}
