package io.permits;

import io.permits.ObservedPermit.Holding;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.jspecify.annotations.Nullable;

/**
 * What a {@link LocalSemaphore} records about itself beyond the permit count: statistics,
 * listener calls, JFR events, held permits and leaks. {@link LocalSync} calls it at each event
 * (a grant, a rejection, a request given up, a release), always outside its lock.
 *
 * <p>Implementation notes: the uncontended path stays free unless something needs each permit
 * observed ({@link #observesPermits}: a listener, hold times, holder tracking, leak detection,
 * or a JFR recording with {@code io.permits.Hold} enabled); then permits are {@link
 * ObservedPermit}s that remember their grant time. Totals are {@link LongAdder}s touched only on
 * paths that already wait or fail; maxima are raised by CAS only when exceeded. A permit reported
 * as leaked is reported once ({@code Holding.reported}), whether by the threshold or the cleaner.
 */
final class Observer {
  private static final System.Logger LOG = System.getLogger("io.permits");

  private final String name;
  private final boolean recordStats;
  private final boolean recordHoldTimes;
  private final @Nullable SemaphoreListener listener;
  private final long leakThresholdNanos; // 0: off
  private final boolean returnLeaked;
  private final @Nullable Set<Holding> holders; // null unless tracked
  private final AtomicBoolean listenerFailureLogged = new AtomicBoolean();

  /** True if every permit must be an {@link ObservedPermit}. */
  final boolean observesPermits;

  final LongAdder rejections = new LongAdder();
  final LongAdder timeouts = new LongAdder();
  final LongAdder cancellations = new LongAdder();
  final LongAdder interrupts = new LongAdder();
  final LongAdder closedWhileWaiting = new LongAdder();
  final LongAdder leaks = new LongAdder();
  final Summary waitTime = new Summary();
  final Summary holdTime = new Summary();

  Observer(
      String name,
      boolean recordStats,
      boolean recordHoldTimes,
      List<SemaphoreListener> listeners,
      boolean trackHolders,
      @Nullable Duration leakThreshold,
      boolean returnLeaked) {
    this.name = name;
    this.recordStats = recordStats;
    this.recordHoldTimes = recordHoldTimes && recordStats;
    this.listener =
        listeners.isEmpty()
            ? null
            : listeners.size() == 1 ? listeners.get(0) : new Fanout(List.copyOf(listeners));
    this.leakThresholdNanos = leakThreshold == null ? 0L : leakThreshold.toNanos();
    this.returnLeaked = returnLeaked;
    this.holders = trackHolders || leakThreshold != null ? ConcurrentHashMap.newKeySet() : null;
    this.observesPermits = this.recordHoldTimes || listener != null || holders != null;
  }

  boolean tracksHolders() {
    return holders != null;
  }

  boolean returnsLeakedPermits() {
    return returnLeaked;
  }

  void attached(Semaphore semaphore) {
    if (listener != null) {
      try {
        listener.attached(semaphore);
      } catch (RuntimeException e) {
        listenerFailed(e);
      }
    }
  }

  /** True if a permit granted now must be observed (checked on the uncontended path). */
  boolean observeNow() {
    return observesPermits || (jfrStarted() && new HoldEvent().isEnabled());
  }

  /**
   * Whether JFR has been started in this JVM (a recording, {@code -XX:StartFlightRecording},
   * {@code jcmd JFR.start}). Checked before touching an event class: the first load of a
   * {@code jdk.jfr.Event} subclass sets up JFR's event machinery, about 30 ms of start-up that
   * a short-lived program (the {@code permits} command) should not pay when nothing records.
   */
  static boolean jfrStarted() {
    return jdk.jfr.FlightRecorder.isInitialized();
  }

  // ---------------------------------------------------------------- grants

  /** A permit granted without waiting, when {@link #observeNow()} said so. */
  Permit grantedAtOnce(LocalSync sync, int permits) {
    ObservedPermit permit = newPermit(sync, permits);
    activate(permit, 0L);
    return permit;
  }

  /** A not yet activated permit for a queued request (see {@link #activate}). */
  Permit newPermitFor(LocalSync sync, int permits) {
    return observeNow() ? newPermit(sync, permits) : new LocalPermit(sync, permits);
  }

  /**
   * Records a queued request's grant, once the permit is the one delivered: wait statistics,
   * the listener, the JFR event, and for an observed permit its leak check and holder entry.
   */
  void grantedAfterWait(LocalSync.Node node, Permit permit) {
    long waited = System.nanoTime() - node.enqueuedAt;
    if (recordStats) {
      waitTime.record(waited);
    }
    commit(node.event, node.permits, "granted");
    if (permit instanceof ObservedPermit observed) {
      activate(observed, waited);
    }
  }

  private ObservedPermit newPermit(LocalSync sync, int permits) {
    HoldEvent event = jfrStarted() ? new HoldEvent() : null;
    if (event != null && event.isEnabled()) {
      event.begin();
    } else {
      event = null;
    }
    Throwable site =
        leakThresholdNanos > 0
            ? new Throwable("permit acquired here, by " + Thread.currentThread().getName())
            : null; // its frames are trimmed only if it is ever shown (trimmedSite)
    Holding holding = new Holding(this, sync, permits, System.nanoTime(), site, event);
    return new ObservedPermit(holding);
  }

  private void activate(ObservedPermit permit, long waited) {
    Holding holding = permit.holding();
    if (holders != null) {
      holders.add(holding);
    }
    if (leakThresholdNanos > 0) {
      permit.cleanWhenUnreachable();
      holding.leakCheck =
          LeakDetector.SCHEDULER.schedule(
              () -> heldPastThreshold(holding), leakThresholdNanos, TimeUnit.NANOSECONDS);
    }
    acquiredEvent(holding.permits, waited);
  }

  private void acquiredEvent(int permits, long waited) {
    if (listener != null) {
      try {
        listener.acquired(name, permits, waited);
      } catch (RuntimeException e) {
        listenerFailed(e);
      }
    }
  }

  // ---------------------------------------------------------------- failures

  void rejected(int permits) {
    if (recordStats) {
      rejections.increment();
    }
    if (listener != null) {
      try {
        listener.rejected(name, permits);
      } catch (RuntimeException e) {
        listenerFailed(e);
      }
    }
  }

  /** A queued request that ended without a grant; {@code outcome} names how, as in JFR. */
  void gaveUp(LocalSync.Node node, String outcome) {
    long waited = System.nanoTime() - node.enqueuedAt;
    if (recordStats) {
      switch (outcome) {
        case "timeout" -> timeouts.increment();
        case "interrupted" -> interrupts.increment();
        case "cancelled" -> cancellations.increment();
        case "closed" -> closedWhileWaiting.increment();
        default -> {} // "too large": a shrink; counted by no total
      }
    }
    commit(node.event, node.permits, outcome);
    if (listener != null) {
      try {
        if (outcome.equals("timeout")) {
          listener.timedOut(name, node.permits, waited);
        } else {
          listener.cancelled(name, node.permits, waited);
        }
      } catch (RuntimeException e) {
        listenerFailed(e);
      }
    }
  }

  private void commit(@Nullable AcquireEvent event, int permits, String outcome) {
    if (event != null) {
      event.end();
      if (event.shouldCommit()) {
        event.name = name;
        event.permits = permits;
        event.outcome = outcome;
        event.commit();
      }
    }
  }

  // ---------------------------------------------------------------- releases and leaks

  void released(Holding holding, long held) {
    forget(holding);
    if (recordHoldTimes) {
      holdTime.record(held);
    }
    HoldEvent event = holding.event;
    if (event != null) {
      event.end();
      if (event.shouldCommit()) {
        event.name = name;
        event.permits = holding.permits;
        event.commit();
      }
    }
    if (listener != null) {
      try {
        listener.released(name, holding.permits, held);
      } catch (RuntimeException e) {
        listenerFailed(e);
      }
    }
  }

  /** The permit is no longer held: off the holder list, its leak check cancelled. */
  private void forget(Holding holding) {
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
        "Permit leak? "
            + describe(holding)
            + " held for "
            + Durations.format(held)
            + ", longer than the leak detection threshold of "
            + Durations.format(leakThresholdNanos)
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
        "Permit leak: "
            + describe(holding)
            + " became unreachable while held, after "
            + Durations.format(held)
            + "; it was never closed (a missing try-with-resources?). Its permits "
            + (returnLeaked ? "are returned to the semaphore" : "stay taken (returnLeakedPermits(false))")
            + ". Acquired at:",
        trimmedSite(holding.site));
  }

  private void leaked(Holding holding, long held) {
    leaks.increment();
    if (listener != null) {
      try {
        listener.leaked(name, holding.permits, held);
      } catch (RuntimeException e) {
        listenerFailed(e);
      }
    }
  }

  private String describe(Holding holding) {
    return holding.permits
        + (holding.permits == 1 ? " permit" : " permits")
        + " of semaphore '"
        + name
        + "', taken by thread '"
        + holding.thread.getName()
        + "' (#"
        + holding.thread.threadId()
        + "),";
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

  private void listenerFailed(RuntimeException e) {
    if (listenerFailureLogged.compareAndSet(false, true)) {
      LOG.log(
          System.Logger.Level.WARNING,
          "A listener of semaphore '" + name + "' threw; the semaphore goes on (logged once)",
          e);
    }
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
    site.setStackTrace(java.util.Arrays.copyOfRange(frames, first, frames.length));
    return site;
  }

  private static final Set<String> OWN_CLASSES =
      Set.of(
          Observer.class.getName(),
          LocalSync.class.getName(),
          LocalSemaphore.class.getName(),
          Semaphore.class.getName(),
          AcquireFuture.class.getName());

  private static boolean isOwnFrame(StackTraceElement frame) {
    String className = frame.getClassName();
    int nested = className.indexOf('$');
    return OWN_CLASSES.contains(nested < 0 ? className : className.substring(0, nested));
  }

  /** Count, total and maximum of durations: striped adders, and a maximum raised by CAS. */
  static final class Summary {
    private final LongAdder count = new LongAdder();
    private final LongAdder total = new LongAdder();
    private final AtomicLong max = new AtomicLong();

    void record(long nanos) {
      count.increment();
      total.add(nanos);
      long current = max.get();
      while (nanos > current && !max.compareAndSet(current, nanos)) {
        current = max.get();
      }
    }

    TimeSummary snapshot() {
      return new TimeSummary(count.sum(), total.sum(), max.get());
    }
  }

  /** Several listeners, called in order; one that throws does not stop the others. */
  private record Fanout(List<SemaphoreListener> listeners) implements SemaphoreListener {
    @Override
    public void attached(Semaphore semaphore) {
      each(l -> l.attached(semaphore));
    }

    @Override
    public void acquired(String semaphore, int permits, long waitedNanos) {
      each(l -> l.acquired(semaphore, permits, waitedNanos));
    }

    @Override
    public void released(String semaphore, int permits, long heldNanos) {
      each(l -> l.released(semaphore, permits, heldNanos));
    }

    @Override
    public void rejected(String semaphore, int permits) {
      each(l -> l.rejected(semaphore, permits));
    }

    @Override
    public void timedOut(String semaphore, int permits, long waitedNanos) {
      each(l -> l.timedOut(semaphore, permits, waitedNanos));
    }

    @Override
    public void cancelled(String semaphore, int permits, long waitedNanos) {
      each(l -> l.cancelled(semaphore, permits, waitedNanos));
    }

    @Override
    public void leaked(String semaphore, int permits, long heldNanos) {
      each(l -> l.leaked(semaphore, permits, heldNanos));
    }

    private void each(java.util.function.Consumer<SemaphoreListener> call) {
      RuntimeException first = null;
      for (SemaphoreListener l : listeners) {
        try {
          call.accept(l);
        } catch (RuntimeException e) {
          if (first == null) {
            first = e;
          } else {
            first.addSuppressed(e);
          }
        }
      }
      if (first != null) {
        throw first;
      }
    }
  }
}
