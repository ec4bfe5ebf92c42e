package io.permits;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;

/** The {@link KeyedSemaphore}: a semaphore per key in use, and an optional total. */
final class PerKeySemaphores<K> implements KeyedSemaphore<K> {

  /*
   * Implementation notes.
   *
   * Key entries. The map holds an entry per key in use; entry.users counts the requests that
   * entered for the key and have not left (waiting, or holding a permit not yet closed), and is
   * changed only inside the map's compute for that key. enter() creates the entry (opening its
   * semaphore) or counts one more user; leave() counts one less and removes the entry when none is
   * left, then closes its semaphore outside the map's lock. An entry therefore lives exactly while
   * its key has holders or waiters, and a request always finds the entry it entered.
   *
   * Nothing that may complete a future (and so run a caller's continuation, which may enter or
   * leave a key) runs inside a compute: closing and setLimit run after it.
   *
   * Order. A request takes its key's permits, then the total's; it never waits for a key while it
   * holds total permits, so the two levels cannot deadlock. A request that fails or gives up at the
   * total closes its key permit before it reports.
   *
   * Per-key limit changes are serialized by limitChange: the new value is written, then every
   * entry's semaphore is set. An entry created concurrently with the old value is set by its
   * creator, which re-reads the value after publishing the entry: either the creator sees the new
   * value, or the setter's pass (after its write, so after the creator's publication) sees the
   * entry.
   *
   * Statistics are counted here, for the keyed semaphore as a whole: a request that gets its
   * permits at once is a grant without a wait; otherwise it waits (counted in waiting) and ends as a
   * grant with its wait, a timeout, an interrupt, a cancel or a close.
   */

  private final String name;
  private final KeyedSemaphore.Opener opener;
  private final @Nullable Semaphore total;
  private final ConcurrentHashMap<K, KeyEntry> keys = new ConcurrentHashMap<>();
  private final ReentrantLock limitChange = new ReentrantLock();
  private volatile int perKeyLimit;
  private volatile boolean closed;

  private final ListenerCalls listener;
  private final Statistics statistics;
  private final boolean timesHolds;
  private final LongAdder grants = new LongAdder();
  private final AtomicInteger held = new AtomicInteger();
  private final AtomicInteger waiting = new AtomicInteger();
  private final AtomicInteger peakWaiting = new AtomicInteger();

  PerKeySemaphores(
      String name,
      int perKeyLimit,
      int totalLimit,
      KeyedSemaphore.Opener opener,
      ListenerCalls listener,
      boolean holdTimes) {
    this.name = name;
    this.perKeyLimit = perKeyLimit;
    this.opener = opener;
    this.listener = listener;
    this.statistics = new Statistics(holdTimes);
    this.timesHolds = holdTimes;
    this.total = totalLimit > 0 ? opener.open(name, totalLimit) : null;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public int perKeyLimit() {
    return perKeyLimit;
  }

  @Override
  public Optional<Integer> totalLimit() {
    Semaphore all = total;
    return all == null ? Optional.empty() : Optional.of(all.limit());
  }

  @Override
  public Permit acquire(K key, int permits) throws InterruptedException {
    return acquire(key, permits, false, 0L).orElseThrow();
  }

  @Override
  public Optional<Permit> tryAcquire(K key, int permits) {
    checkPermits(permits);
    KeyEntry entry = enter(key);
    Optional<Permit> permit = Optional.empty();
    try {
      permit = tryBoth(key, entry, permits);
      if (permit.isEmpty()) {
        statistics.rejected();
        listener.rejected(permits);
      }
      return permit;
    } finally {
      if (permit.isEmpty()) {
        leave(key, entry);
      }
    }
  }

  @Override
  public Optional<Permit> tryAcquire(K key, int permits, Duration timeout)
      throws InterruptedException {
    Objects.requireNonNull(timeout, "timeout");
    if (timeout.isNegative()) {
      throw new IllegalArgumentException(
          "timeout must not be negative, was " + timeout + " (keyed semaphore '" + name + "')");
    }
    return acquire(key, permits, true, LocalSemaphore.saturatedNanos(timeout));
  }

  @Override
  public CompletableFuture<Permit> acquireAsync(K key, int permits) {
    checkPermits(permits);
    KeyEntry entry;
    try {
      entry = enter(key);
    } catch (SemaphoreClosedException closedNow) {
      return CompletableFuture.failedFuture(closedNow);
    }
    Optional<Permit> now;
    try {
      now = tryBoth(key, entry, permits);
    } catch (RuntimeException failure) {
      leave(key, entry);
      if (failure instanceof SemaphoreClosedException) {
        return CompletableFuture.failedFuture(failure);
      }
      throw failure;
    }
    if (now.isPresent()) {
      return CompletableFuture.completedFuture(now.get());
    }
    return new KeyedAcquisition<>(this, key, entry, permits).start();
  }

  @Override
  public Semaphore forKey(K key) {
    return new KeyView<>(this, Objects.requireNonNull(key, "key"));
  }

  @Override
  public int keysInUse() {
    return keys.size();
  }

  @Override
  public int held(K key) {
    KeyEntry entry = keys.get(Objects.requireNonNull(key, "key"));
    return entry == null ? 0 : entry.held.get();
  }

  @Override
  public List<KeyLoad<K>> busiestKeys(int max) {
    if (max < 0) {
      throw new IllegalArgumentException("max must not be negative, was " + max);
    }
    List<KeyLoad<K>> loads = new ArrayList<>();
    keys.forEach((key, entry) -> loads.add(new KeyLoad<>(key, entry.held.get(), entry.waiting.get())));
    loads.sort(
        Comparator.comparingInt((KeyLoad<K> load) -> load.held())
            .thenComparingInt(KeyLoad::waiting)
            .reversed());
    return List.copyOf(loads.subList(0, Math.min(max, loads.size())));
  }

  @Override
  public void setPerKeyLimit(int limit) {
    if (limit < 1) {
      throw new IllegalArgumentException(
          "perKeyLimit must be at least 1, was " + limit + " (keyed semaphore '" + name + "')");
    }
    limitChange.lock();
    try {
      perKeyLimit = limit;
      for (KeyEntry entry : keys.values()) {
        try {
          entry.semaphore.setLimit(limit);
        } catch (SemaphoreClosedException idleNow) {
          // the key went idle meanwhile: its next entry opens with the new limit
        }
      }
    } finally {
      limitChange.unlock();
    }
  }

  @Override
  public void setTotalLimit(int limit) {
    Semaphore all = total;
    if (all == null) {
      throw new IllegalStateException(
          "keyed semaphore '" + name + "' was built without a total limit");
    }
    all.setLimit(limit);
  }

  @Override
  public SemaphoreStats stats() {
    Semaphore all = total;
    int heldNow = held.get();
    int limit =
        all != null ? all.limit() : (int) Math.min(Integer.MAX_VALUE, (long) perKeyLimit * keys.size());
    int available = all != null ? all.available() : Math.max(0, limit - heldNow);
    return statistics.snapshot(
        limit, available, heldNow, waiting.get(), peakWaiting.get(), grants.sum());
  }

  @Override
  public boolean isClosed() {
    return closed;
  }

  @Override
  public void close() {
    closed = true; // before the pass: an entry made after it sees closed (enter checks again)
    for (KeyEntry entry : keys.values()) {
      entry.semaphore.close();
    }
    Semaphore all = total;
    if (all != null) {
      all.close();
    }
  }

  @Override
  public String toString() {
    return "KeyedSemaphore["
        + name
        + ", per key "
        + perKeyLimit
        + (total != null ? ", total " + total.limit() : "")
        + ", keys in use "
        + keys.size()
        + "]";
  }

  // ---- the views' reads ----

  /** The permits free for {@code key} now: its own, and the total's if smaller. */
  int available(K key) {
    KeyEntry entry = keys.get(key);
    int own = entry == null ? perKeyLimit : entry.semaphore.available();
    Semaphore all = total;
    return all == null ? own : Math.min(own, all.available());
  }

  /** The requests for {@code key} queued now: at the key's semaphore (as it counts them) or the total. */
  int waiting(K key) {
    KeyEntry entry = keys.get(key);
    return entry == null ? 0 : entry.semaphore.waiting() + entry.atTotal.get();
  }

  int limitFor() {
    Semaphore all = total;
    return all == null ? perKeyLimit : Math.min(perKeyLimit, all.limit());
  }

  List<PermitHolder> holders(K key) {
    KeyEntry entry = keys.get(key);
    return entry == null ? List.of() : entry.semaphore.holders();
  }

  // ---- requests ----

  private Optional<Permit> acquire(K key, int permits, boolean timed, long timeoutNanos)
      throws InterruptedException {
    checkPermits(permits);
    KeyEntry entry = enter(key);
    Optional<Permit> permit = Optional.empty();
    try {
      permit = tryBoth(key, entry, permits);
      if (permit.isEmpty()) {
        if (timed && timeoutNanos == 0) {
          statistics.gaveUp(Outcome.TIMEOUT);
          listener.gaveUp(Outcome.TIMEOUT, permits, 0);
        } else {
          permit = waitForBoth(key, entry, permits, timed, timeoutNanos);
        }
      }
      return permit;
    } finally {
      if (permit.isEmpty()) {
        leave(key, entry);
      }
    }
  }

  /** Both levels' permits if free now, without waiting; the key's go back if the total's are not. */
  private Optional<Permit> tryBoth(K key, KeyEntry entry, int permits) {
    Optional<Permit> own = entry.semaphore.tryAcquire(permits);
    if (own.isEmpty()) {
      return own;
    }
    Semaphore all = total;
    Permit totalPermit = null;
    if (all != null) {
      try {
        Optional<Permit> shared = all.tryAcquire(permits);
        if (shared.isEmpty()) {
          own.get().close();
          return shared;
        }
        totalPermit = shared.get();
      } catch (RuntimeException failure) {
        own.get().close();
        throw failure;
      }
    }
    return Optional.of(granted(key, entry, own.get(), totalPermit, 0));
  }

  private Optional<Permit> waitForBoth(
      K key, KeyEntry entry, int permits, boolean timed, long timeoutNanos)
      throws InterruptedException {
    long start = System.nanoTime();
    startedWaiting(entry);
    Permit own = null;
    Outcome outcome = Outcome.TIMEOUT;
    try {
      own =
          timed
              ? entry.semaphore.tryAcquire(permits, Duration.ofNanos(timeoutNanos)).orElse(null)
              : entry.semaphore.acquire(permits);
      Semaphore all = total;
      Permit shared = null;
      if (own != null && all != null) {
        long left = Math.max(0, timeoutNanos - (System.nanoTime() - start));
        entry.atTotal.incrementAndGet();
        try {
          shared =
              timed
                  ? all.tryAcquire(permits, Duration.ofNanos(left)).orElse(null)
                  : all.acquire(permits);
        } finally {
          entry.atTotal.decrementAndGet();
        }
        if (shared == null) {
          own.close();
          own = null;
        }
      }
      if (own == null) {
        return Optional.empty(); // outcome TIMEOUT
      }
      outcome = Outcome.GRANTED;
      long waited = System.nanoTime() - start;
      statistics.waited(waited);
      return Optional.of(granted(key, entry, own, shared, waited));
    } catch (InterruptedException interrupted) {
      outcome = Outcome.INTERRUPTED;
      throw interrupted;
    } catch (SemaphoreClosedException closedNow) {
      outcome = Outcome.CLOSED;
      throw closedNow;
    } catch (IllegalArgumentException tooLarge) {
      outcome = Outcome.TOO_LARGE;
      throw tooLarge;
    } finally {
      if (outcome != Outcome.GRANTED) {
        if (own != null) {
          own.close(); // failed at the total: the key's permits go back before the caller hears
        }
        gaveUp(outcome, permits, System.nanoTime() - start);
      }
      stoppedWaiting(entry);
    }
  }

  // ---- bookkeeping shared with KeyedAcquisition and KeyedPermit ----

  /** Counts a grant and wraps both levels' permits in the caller's permit. */
  Permit granted(K key, KeyEntry entry, Permit own, @Nullable Permit shared, long waitedNanos) {
    int permits = own.permits();
    grants.increment();
    held.addAndGet(permits);
    entry.held.addAndGet(permits);
    listener.acquired(permits, waitedNanos);
    long grantedAt = timesHolds ? System.nanoTime() : 0L;
    return own instanceof Lease lease
        ? new KeyedPermit.OfLease<>(this, key, entry, lease, shared, grantedAt)
        : new KeyedPermit<>(this, key, entry, own, shared, grantedAt);
  }

  /** A permit of {@code key} was closed (once): count it and let the key go if idle. */
  void released(K key, KeyEntry entry, int permits, long grantedAt) {
    held.addAndGet(-permits);
    entry.held.addAndGet(-permits);
    if (timesHolds) {
      long heldNanos = System.nanoTime() - grantedAt;
      statistics.held(heldNanos);
      listener.released(permits, heldNanos);
    }
    leave(key, entry);
  }

  void startedWaiting(KeyEntry entry) {
    entry.waiting.incrementAndGet();
    int now = waiting.incrementAndGet();
    int peak;
    while (now > (peak = peakWaiting.get()) && !peakWaiting.compareAndSet(peak, now)) {
      Thread.onSpinWait();
    }
  }

  void stoppedWaiting(KeyEntry entry) {
    entry.waiting.decrementAndGet();
    waiting.decrementAndGet();
  }

  void waited(long nanos) {
    statistics.waited(nanos);
  }

  void gaveUp(Outcome outcome, int permits, long waitedNanos) {
    statistics.gaveUp(outcome);
    listener.gaveUp(outcome, permits, waitedNanos);
  }

  @Nullable Semaphore total() {
    return total;
  }

  // ---- key entries ----

  /** Counts one more user of {@code key}'s entry, creating it (and its semaphore) if needed. */
  KeyEntry enter(K key) {
    Objects.requireNonNull(key, "key");
    if (closed) {
      throw closedException();
    }
    int[] openedWith = {0};
    KeyEntry entry =
        keys.compute(
            key,
            (k, existing) -> {
              KeyEntry used = existing;
              if (used == null) {
                openedWith[0] = perKeyLimit;
                used = new KeyEntry(opener.open(KeyNames.of(name, k), openedWith[0]));
              }
              used.users++;
              return used;
            });
    if (openedWith[0] != 0 && openedWith[0] != perKeyLimit) {
      adoptPerKeyLimit(entry); // a change raced the entry's creation
    }
    if (closed) { // close() ran after the first check: its pass may have missed this entry
      leave(key, entry);
      throw closedException();
    }
    return entry;
  }

  /** Counts one user less; the last one out removes the entry and closes its semaphore. */
  void leave(K key, KeyEntry entry) {
    KeyEntry[] idle = {null};
    keys.computeIfPresent(
        key,
        (k, existing) -> {
          if (existing != entry) {
            throw new IllegalStateException("the entry of key '" + k + "' changed while in use");
          }
          if (--existing.users > 0) {
            return existing;
          }
          idle[0] = existing;
          return null;
        });
    KeyEntry gone = idle[0];
    if (gone != null) {
      gone.semaphore.close();
    }
  }

  private void adoptPerKeyLimit(KeyEntry entry) {
    limitChange.lock();
    try {
      entry.semaphore.setLimit(perKeyLimit);
    } finally {
      limitChange.unlock();
    }
  }

  private void checkPermits(int permits) {
    if (permits < 1) {
      throw new IllegalArgumentException(
          "permits must be at least 1, was " + permits + " (keyed semaphore '" + name + "')");
    }
    int limit = limitFor();
    if (permits > limit) {
      throw new IllegalArgumentException(
          "permits must not exceed the limit "
              + limit
              + ", was "
              + permits
              + " (keyed semaphore '"
              + name
              + "')");
    }
  }

  SemaphoreClosedException closedException() {
    return new SemaphoreClosedException("keyed semaphore '" + name + "' is closed");
  }

  /** A key in use: its semaphore, its users (see the notes), and its gauges. */
  static final class KeyEntry {
    final Semaphore semaphore;
    int users; // guarded by the map's lock for the key
    final AtomicInteger held = new AtomicInteger();
    final AtomicInteger waiting = new AtomicInteger(); // requests in a wait, at either level
    final AtomicInteger atTotal = new AtomicInteger(); // of those, requests at the total

    KeyEntry(Semaphore semaphore) {
      this.semaphore = semaphore;
    }
  }
}
