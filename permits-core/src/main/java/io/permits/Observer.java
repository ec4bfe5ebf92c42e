package io.permits;

import io.permits.ObservedPermit.Holding;
import java.time.Duration;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * What a {@link LocalSemaphore} records about itself beyond the permit count, at each event (a
 * grant, a rejection, a request given up, a release), always called outside the engine's lock:
 * {@link Statistics}, {@link ListenerCalls}, JFR events, and {@link LeakTracking} (held permits
 * and leaks). Each part that is off is a no-op object, so nothing here asks whether it is on.
 */
final class Observer {

  /*
   * Implementation notes: the uncontended path stays free unless something needs each permit
   * observed (observesPermits: a listener, hold times, holder tracking, leak detection, or a JFR
   * recording with io.permits.Hold enabled); then permits are ObservedPermits that remember their
   * grant time.
   */

  private final String name;
  private final Statistics statistics;
  private final ListenerCalls listener;
  private final LeakTracking leaks;

  /** True if every permit must be an {@link ObservedPermit}. */
  final boolean observesPermits;

  Observer(
      String name,
      boolean recordStats,
      boolean recordHoldTimes,
      List<SemaphoreListener> listeners,
      boolean trackHolders,
      @Nullable Duration leakThreshold,
      boolean returnLeaked) {
    this.name = name;
    this.statistics = recordStats ? new Statistics(recordHoldTimes) : Statistics.OFF;
    this.listener = ListenerCalls.of(name, listeners);
    this.leaks =
        new LeakTracking(name, trackHolders, leakThreshold, returnLeaked, statistics, listener);
    this.observesPermits =
        statistics.recordsHoldTimes() || listener.any() || leaks.tracksHolders();
  }

  Statistics statistics() {
    return statistics;
  }

  boolean tracksHolders() {
    return leaks.tracksHolders();
  }

  boolean returnsLeakedPermits() {
    return leaks.returnsLeakedPermits();
  }

  List<PermitHolder> holders() {
    return leaks.holders();
  }

  void attached(Semaphore semaphore) {
    listener.attached(semaphore);
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

  /** A not yet activated permit for a queued request (see {@link #grantedAfterWait}). */
  Permit newPermitFor(LocalSync sync, int permits) {
    return observeNow() ? newPermit(sync, permits) : new LocalPermit(sync, permits);
  }

  /**
   * Records a queued request's grant, once the permit is the one delivered: wait statistics,
   * the listener, the JFR event, and for an observed permit its leak check and holder entry.
   */
  void grantedAfterWait(LocalSync.Node node, Permit permit) {
    long waited = System.nanoTime() - node.enqueuedAt;
    statistics.waited(waited);
    commit(node, Outcome.GRANTED);
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
        leaks.detectsLeaks()
            ? new Throwable("permit acquired here, by " + Thread.currentThread().getName())
            : null; // its frames are trimmed only if it is ever shown (LeakTracking.trimmedSite)
    Holding holding = new Holding(this, sync, permits, System.nanoTime(), site, event);
    return new ObservedPermit(holding);
  }

  private void activate(ObservedPermit permit, long waited) {
    leaks.granted(permit);
    listener.acquired(permit.holding().permits, waited);
  }

  // ---------------------------------------------------------------- failures

  void rejected(int permits) {
    statistics.rejected();
    listener.rejected(permits);
  }

  /** A queued request that ended without a grant, as {@code outcome} says. */
  void gaveUp(LocalSync.Node node, Outcome outcome) {
    long waited = System.nanoTime() - node.enqueuedAt;
    statistics.gaveUp(outcome);
    commit(node, outcome);
    listener.gaveUp(outcome, node.permits, waited);
  }

  private void commit(LocalSync.Node node, Outcome outcome) {
    AcquireEvent event = node.event;
    if (event != null) {
      event.end();
      if (event.shouldCommit()) {
        event.name = name;
        event.permits = node.permits;
        event.outcome = outcome.label();
        event.commit();
      }
    }
  }

  // ---------------------------------------------------------------- releases and leaks

  void released(Holding holding, long held) {
    leaks.forget(holding);
    statistics.held(held);
    HoldEvent event = holding.event;
    if (event != null) {
      event.end();
      if (event.shouldCommit()) {
        event.name = name;
        event.permits = holding.permits;
        event.commit();
      }
    }
    listener.released(holding.permits, held);
  }

  void unreachableWhileHeld(Holding holding, long held) {
    leaks.unreachableWhileHeld(holding, held);
  }
}
