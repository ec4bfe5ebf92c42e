package io.permits.redis;

import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * Releases of closed leases that ride on this semaphore's next script instead of costing one of
 * their own, sent by themselves at the latest {@link #DELAY_MILLIS} after the close.
 *
 * <p>Implementation notes. A client that acquires again right after closing (a loop of short
 * holds) paid two scripts per pair, release then acquire; with this it pays one: the acquire
 * script releases the ids it carries before it grants. Only leases granted while no request of
 * another client was queued are deferred (the semaphore decides), so a request that was already
 * waiting is never delayed; one that arrives during the delay waits at most that long, as the
 * flush's release wakes it. Order is kept: every script this semaphore sends first takes what is
 * deferred ({@link #drain}), so Redis runs the releases before anything sent after {@code
 * close()} returned. A request of the same size may take a deferred release for itself ({@link
 * #takeOfSize}): it asks under the closed lease's id, and the script hands the lease over in
 * place. Invariants: each id is drained or taken exactly once (queue poll or remove), by a script
 * or by the flush; the flush is armed whenever the queue may be non-empty ({@code armed} is cleared
 * before the queue is looked at, and set again when an entry is young enough to wait); {@code
 * flushing} counts flushes between taking ids and sending them, and is raised before the taking,
 * so a count that drained first and then sees it at zero is sent after every release taken
 * before its own drain ({@link #awaitFlushes}).
 */
final class DeferredReleases {

  /** The longest a release waits for a script to carry it. */
  static final long DELAY_MILLIS = 1;

  /** A deferred release: the closed lease's id, permits and token, and when it was closed. */
  record Entry(String id, int permits, long token, long addedNanos) {}

  private final Queue<Entry> queue = new ConcurrentLinkedQueue<>();
  private final AtomicBoolean armed = new AtomicBoolean();
  private final AtomicInteger flushing = new AtomicInteger();
  private final ScheduledExecutorService timer;
  private final Consumer<List<String>> send;

  /**
   * @param timer runs the flush
   * @param send sends a release of the given ids by itself (the flush's script)
   */
  DeferredReleases(ScheduledExecutorService timer, Consumer<List<String>> send) {
    this.timer = timer;
    this.send = send;
  }

  /** Defers the release of a closed lease. */
  void add(String id, int permits, long token) {
    queue.add(new Entry(id, permits, token, System.nanoTime()));
    arm(DELAY_MILLIS);
  }

  /**
   * Takes a deferred release of a lease of {@code permits} permits, for a request about to be
   * sent that reuses its id (the script then hands the lease over in place, see in_place.lua), or
   * returns null. The caller sends its release, first in that script.
   */
  @Nullable Entry takeOfSize(int permits) {
    if (queue.isEmpty()) {
      return null;
    }
    for (Entry entry : queue) {
      if (entry.permits() == permits && queue.remove(entry)) {
        return entry;
      }
    }
    return null;
  }

  /** Takes every deferred id, for the script about to be sent; empty if none. */
  List<String> drain() {
    if (queue.isEmpty()) {
      return List.of();
    }
    List<String> ids = new ArrayList<>(2);
    for (Entry entry; (entry = queue.poll()) != null; ) {
      ids.add(entry.id());
    }
    return ids;
  }

  private void arm(long delayMillis) {
    if (armed.compareAndSet(false, true)) {
      timer.schedule(this::flush, delayMillis, TimeUnit.MILLISECONDS);
    }
  }

  private void flush() {
    armed.set(false);
    Entry oldest = queue.peek();
    if (oldest == null) {
      return;
    }
    long age = System.nanoTime() - oldest.addedNanos();
    if (age < TimeUnit.MILLISECONDS.toNanos(DELAY_MILLIS)) {
      arm(DELAY_MILLIS); // young enough to ride on a script yet
      return;
    }
    flushing.incrementAndGet();
    try {
      List<String> ids = drain();
      if (!ids.isEmpty()) {
        send.accept(ids);
      }
    } finally {
      flushing.decrementAndGet();
    }
  }

  /**
   * Waits until no flush holds ids it has taken but not yet sent: a script sent next (a count,
   * after its own {@link #drain}) then follows every release taken before it. A count sent while
   * a flush was between the two found a closed permit still taken (the TCK, 1 run in 6).
   */
  void awaitFlushes() {
    while (flushing.get() > 0) {
      Thread.yield(); // a few microseconds: the other thread is sending a script
    }
  }
}
