package io.permits.redis;

import io.lettuce.core.api.async.RedisAsyncCommands;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Runs one semaphore's scripts on its connection: {@link #send} without waiting, {@link #call}
 * waiting for the reply without being interruptible (a reply, a grant above all, is never dropped
 * because the waiting thread was interrupted; the interrupt is kept), and the endings that ride
 * with the next script sent: {@link #release}s of closed leases and {@link #cancel}s of requests
 * that gave up.
 */
final class ScriptCalls {

  /*
   * Implementation notes. An ending (a release, or a cancel) is queued, not sent: the next script
   * this semaphore sends (typically the closing thread's next acquire) carries every queued ending
   * and Redis settles them first (common.lua's settle). A cancel is sent at once and waited for, at
   * most CANCEL_PATIENCE_MILLIS, so that its request's caller is answered once nothing is held for
   * it. Releases no script carried are sent alone by a flush that ticks every FLUSH_MICROS while
   * releases are being queued (a timer task per release woke the timer thread once per lease: a
   * context switch per pair on a busy machine). Scripts are handed to Lettuce in the order the
   * endings were taken, under sending, and share one connection, so Redis runs them in that order
   * too: a count asked for after a close sees its release. A script that fails on the connection
   * queues its endings again (they are safe to run twice: a release names its lease's id and token,
   * a cancel its request's id), up to ATTEMPTS times, RETRY_MILLIS apart; after that, or on an
   * error from the server, the failure is logged, and the lease expires in Redis within its length
   * (a ticket in a second).
   */

  private static final System.Logger LOG = System.getLogger(ScriptCalls.class.getName());
  private static final long FLUSH_MICROS = 1_000;
  private static final int ATTEMPTS = 5;
  private static final long RETRY_MILLIS = 100;
  private static final long CANCEL_PATIENCE_MILLIS = 2_000;
  private static final String CANCEL = "-"; // the token of an ending that is a cancel

  /** A lease's release, or a request's cancel, waiting for a script to carry it. */
  private record Release(String id, String token, Runnable done, int attempt) {}

  private final String name;
  private final RedisKeys keys;
  private final RedisLink link;
  private final ScheduledExecutorService timer;
  private final ReentrantLock sending = new ReentrantLock();
  private final List<Release> queued = new ArrayList<>(); // guarded by sending
  private final AtomicBoolean ticking = new AtomicBoolean();
  private volatile boolean queuedSinceTick;

  ScriptCalls(String name, RedisKeys keys, RedisLink link, ScheduledExecutorService timer) {
    this.name = name;
    this.keys = keys;
    this.link = link;
    this.timer = timer;
  }

  /** Queues the release of a lease; {@code done} runs once it is settled or given up. */
  void release(String id, long token, Runnable done) {
    queue(new Release(id, Long.toString(token), done, 1));
  }

  /**
   * Cancels a request's id: withdraws its ticket, ends any lease its scripts were granted, and
   * refuses a late copy of its acquire script. Sent at once; waits until it is settled, at most
   * {@link #CANCEL_PATIENCE_MILLIS} (it goes on in the background after that).
   */
  void cancel(String id) {
    CompletableFuture<Void> settled = new CompletableFuture<>();
    queue(new Release(id, CANCEL, () -> settled.complete(null), 1));
    flush();
    settled.completeOnTimeout(null, CANCEL_PATIENCE_MILLIS, TimeUnit.MILLISECONDS).join();
  }

  private void queue(Release release) {
    sending.lock();
    try {
      queued.add(release);
    } finally {
      sending.unlock();
    }
    queuedSinceTick = true;
    if (ticking.compareAndSet(false, true)) {
      timer.schedule(this::tick, FLUSH_MICROS, TimeUnit.MICROSECONDS);
    }
  }

  /**
   * The flush's tick: sends what no script carried, then ticks again if releases were queued
   * since the last tick; else stops (and starts again if one was queued as it stopped).
   */
  private void tick() {
    if (hasQueued()) { // on a virtual thread: opening the connections may wait for a connect
      Thread.startVirtualThread(this::flush);
    }
    boolean busy = queuedSinceTick;
    queuedSinceTick = false;
    if (busy || hasQueued()) {
      timer.schedule(this::tick, FLUSH_MICROS, TimeUnit.MICROSECONDS);
      return;
    }
    ticking.set(false);
    if (queuedSinceTick && ticking.compareAndSet(false, true)) {
      timer.schedule(this::tick, FLUSH_MICROS, TimeUnit.MICROSECONDS);
    }
  }

  /** Takes every queued ending. */
  private List<Release> drain() {
    sending.lock();
    try {
      List<Release> all = List.copyOf(queued);
      queued.clear();
      return all;
    } finally {
      sending.unlock();
    }
  }

  private boolean hasQueued() {
    sending.lock();
    try {
      return !queued.isEmpty();
    } finally {
      sending.unlock();
    }
  }

  /** Sends the queued endings alone (an empty script if another script carried them). */
  void flush() {
    try {
      send(RedisScripts.RELEASE);
    } catch (RedisSemaphoreException unreachable) { // its endings are queued again
    }
  }

  /**
   * Sends a script, carrying the queued releases; the future completes on Lettuce's thread.
   *
   * @throws RedisSemaphoreException if the connections cannot be opened
   */
  CompletableFuture<List<Object>> send(RedisScripts script, String... args) {
    RedisAsyncCommands<byte[], byte[]> redis;
    try {
      redis = link.retain();
    } catch (RuntimeException unreachable) {
      retry(drain(), unreachable); // queued again, each attempt counted
      throw failure(script, unreachable);
    }
    List<Release> carried = List.of();
    CompletableFuture<List<Object>> reply;
    sending.lock();
    try {
      carried = drain();
      reply = script.run(redis, keys, pairs(carried), args);
    } catch (RuntimeException failed) {
      link.release();
      retry(carried, failed);
      throw failure(script, failed);
    } finally {
      sending.unlock();
    }
    List<Release> sent = carried;
    return reply.whenComplete(
        (ignored, failure) -> {
          link.release();
          if (failure == null) {
            sent.forEach(release -> release.done().run());
          } else {
            retry(sent, failure);
          }
        });
  }

  /**
   * Runs a script and waits for its reply.
   *
   * @throws RedisSemaphoreException if it failed or its outcome is unknown (timeout, connection
   *     lost)
   */
  List<Object> call(RedisScripts script, String... args) {
    try {
      return send(script, args).join(); // waits through interrupts, and keeps them
    } catch (CompletionException failed) {
      Throwable cause = failed.getCause();
      throw failure(script, cause != null ? cause : failed);
    }
  }

  /** Releases whose script failed on the connection are queued again; the rest are given up. */
  private void retry(List<Release> releases, Throwable failure) {
    for (Release release : releases) {
      if (release.attempt() < ATTEMPTS && !isServerError(failure)) {
        timer.schedule(
            () -> queue(new Release(release.id(), release.token(), release.done(),
                release.attempt() + 1)),
            RETRY_MILLIS,
            TimeUnit.MILLISECONDS);
      } else {
        LOG.log(
            System.Logger.Level.WARNING,
            "semaphore ''{0}'': {1} {2} failed ({3}); it expires in Redis by itself",
            name,
            release.token().equals(CANCEL) ? "cancelling request" : "releasing lease",
            release.id(),
            String.valueOf(failure.getMessage()));
        release.done().run();
      }
    }
  }

  private static List<String> pairs(List<Release> releases) {
    List<String> pairs = new ArrayList<>(releases.size() * 2);
    for (Release release : releases) {
      pairs.add(release.id());
      pairs.add(release.token());
    }
    return pairs;
  }

  /** A failure that names the semaphore and the operation. */
  RedisSemaphoreException failure(RedisScripts script, Throwable cause) {
    if (cause instanceof RedisSemaphoreException already) {
      return already;
    }
    return new RedisSemaphoreException(
        "semaphore '" + name + "': " + script.name().toLowerCase() + " failed: "
            + cause.getMessage(),
        cause);
  }

  /** Whether a failure came from the server itself (a script error), not from the connection. */
  static boolean isServerError(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof io.lettuce.core.RedisCommandExecutionException) {
        return true;
      }
    }
    return false;
  }
}
