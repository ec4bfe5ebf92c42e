package io.permits;

import io.permits.ObservedPermit.Holding;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * The held permits of a semaphore, when tracked ({@code trackHolders}, or leak detection), and
 * leak detection: HikariCP's {@code ProxyLeakTask}, a check scheduled at each grant and cancelled
 * at each release, which reports a permit held past the threshold with the stack of the acquire
 * that took it; and a permit that became unreachable while held, found by the cleaner. A permit is
 * reported as leaked once ({@code Holding.claimReport}), whether by the threshold or the cleaner.
 */
final class LeakTracking {

  private static final System.Logger LOG = System.getLogger("io.permits");

  /** The frames of the acquire's own machinery, dropped from the top of an acquire site. */
  private static final Set<String> OWN_CLASSES =
      Set.of(
          Observer.class.getName(),
          LocalSync.class.getName(),
          LocalSemaphore.class.getName(),
          Semaphore.class.getName(),
          AcquireFuture.class.getName());

  private final String name;
  private final long thresholdNanos; // 0: off
  private final boolean returnLeaked;
  private final @Nullable Set<Holding> holders; // null unless tracked
  private final Statistics statistics;
  private final ListenerCalls listener;

  LeakTracking(
      String name,
      boolean trackHolders,
      @Nullable Duration threshold,
      boolean returnLeaked,
      Statistics statistics,
      ListenerCalls listener) {
    this.name = name;
    this.thresholdNanos = threshold == null ? 0L : threshold.toNanos();
    this.returnLeaked = returnLeaked;
    this.holders = trackHolders || threshold != null ? ConcurrentHashMap.newKeySet() : null;
    this.statistics = statistics;
    this.listener = listener;
  }

  boolean tracksHolders() {
    return holders != null;
  }

  /** Whether each grant records the stack of its acquire. */
  boolean detectsLeaks() {
    return thresholdNanos > 0;
  }

  boolean returnsLeakedPermits() {
    return returnLeaked;
  }

  /** A permit was granted: listed, and checked for a leak later. */
  void granted(ObservedPermit permit) {
    Holding holding = permit.holding();
    if (holders != null) {
      holders.add(holding);
    }
    if (thresholdNanos > 0) {
      permit.cleanWhenUnreachable();
      holding.leakCheck =
          LeakDetector.SCHEDULER.schedule(
              () -> heldPastThreshold(holding), thresholdNanos, TimeUnit.NANOSECONDS);
    }
  }

  /** The permit is no longer held: off the holder list, its leak check cancelled. */
  void forget(Holding holding) {
    if (holders != null) {
      holders.remove(holding);
    }
    var check = holding.leakCheck;
    if (check != null) {
      check.cancel(false);
    }
  }

  private void heldPastThreshold(Holding holding) {
    if (holding.isReleased() || !holding.claimReport()) {
      return;
    }
    long held = System.nanoTime() - holding.grantedAt;
    leaked(holding, held); // counted before it is logged, so a reader of the log sees the count
    LOG.log(
        System.Logger.Level.WARNING,
        "Permit leak? " + describe(holding) + " held for " + Durations.format(held)
            + ", longer than the leak detection threshold of " + Durations.format(thresholdNanos)
            + "; acquired at:",
        trimmedSite(holding.site));
  }

  void unreachableWhileHeld(Holding holding, long held) {
    forget(holding);
    if (holding.claimReport()) {
      leaked(holding, held); // once per permit, whether by the threshold or here
    }
    LOG.log(
        System.Logger.Level.WARNING,
        "Permit leak: " + describe(holding) + " became unreachable while held, after "
            + Durations.format(held)
            + "; it was never closed (a missing try-with-resources?). Its permits "
            + (returnLeaked
                ? "are returned to the semaphore"
                : "stay taken (returnLeakedPermits(false))")
            + ". Acquired at:",
        trimmedSite(holding.site));
  }

  private void leaked(Holding holding, long held) {
    statistics.leaked();
    listener.leaked(holding.permits, held);
  }

  private String describe(Holding holding) {
    return holding.permits + (holding.permits == 1 ? " permit" : " permits") + " of semaphore '"
        + name + "', taken by thread '" + holding.thread.getName() + "' (#"
        + holding.thread.threadId() + "),";
  }

  List<PermitHolder> holders() {
    if (holders == null) {
      return List.of();
    }
    List<PermitHolder> list = new ArrayList<>();
    for (Holding holding : holders) {
      list.add(holding.describe());
    }
    list.sort((a, b) -> a.since().compareTo(b.since()));
    return List.copyOf(list);
  }

  /**
   * The stack of the acquire that took a permit, from the caller's first frame: the frames of
   * the acquire's own machinery at its top (the observer, the engine, the facade) are dropped.
   * Done when the site is shown, not when it is recorded: materializing the frames costs
   * microseconds, recording the stack alone about one. Idempotent.
   */
  static @Nullable Throwable trimmedSite(@Nullable Throwable site) {
    if (site == null) {
      return null;
    }
    StackTraceElement[] frames = site.getStackTrace();
    int first = 0;
    while (first < frames.length - 1 && isOwnFrame(frames[first])) {
      first++;
    }
    site.setStackTrace(Arrays.copyOfRange(frames, first, frames.length));
    return site;
  }

  private static boolean isOwnFrame(StackTraceElement frame) {
    String className = frame.getClassName();
    int nested = className.indexOf('$');
    return OWN_CLASSES.contains(nested < 0 ? className : className.substring(0, nested));
  }
}
