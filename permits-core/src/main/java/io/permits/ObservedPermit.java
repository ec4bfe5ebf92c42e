package io.permits;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.lang.ref.Cleaner;
import java.time.Instant;
import java.util.concurrent.ScheduledFuture;
import org.jspecify.annotations.Nullable;

/**
 * A permit whose semaphore observes it (a listener, hold times, holder tracking, leak detection
 * or a JFR recording): it remembers when, by whom and, with leak detection, where it was taken.
 */
final class ObservedPermit implements Permit {

  /*
   * Implementation notes: the state that outlives the permit object lives in Holding, which does
   * not refer back to the permit, so that a Cleaner can act when the permit becomes unreachable
   * while still held. Exactly one of close() and the cleaner wins the holding's released flag;
   * whoever wins gives the permits back (the cleaner only if the semaphore returns leaked permits),
   * so none is released twice or lost. Only a delivered permit is registered with the cleaner
   * (cleanWhenUnreachable()).
   */

  private final Holding holding;
  private volatile Cleaner.@Nullable Cleanable cleanable;

  ObservedPermit(Holding holding) {
    this.holding = holding;
  }

  /**
   * Registers this permit with the leak detector's cleaner. Called once the permit is the one
   * delivered (an asynchronous grant may build two and keep one: the other must never count as
   * leaked, or its cleaner would give back permits it never held).
   */
  void cleanWhenUnreachable() {
    cleanable = LeakDetector.CLEANER.register(this, holding);
  }

  Holding holding() {
    return holding;
  }

  @Override
  public int permits() {
    return holding.permits;
  }

  @Override
  public boolean isHeld() {
    return !holding.isReleased();
  }

  @Override
  public void close() {
    if (holding.release()) {
      Cleaner.Cleanable registered = cleanable;
      if (registered != null) {
        registered.clean(); // unregisters; the action then finds the permit released
      }
    }
  }

  @Override
  public String toString() {
    return "Permit[" + holding.permits + (isHeld() ? ", held]" : ", released]");
  }

  /** A held permit's record, shared by the permit, the holder list and the leak detector. */
  static final class Holding implements Runnable {
    final Observer observer;
    final LocalSync sync;
    final int permits;
    final long grantedAt; // System.nanoTime()
    final Instant since;
    final Thread thread;
    final @Nullable Throwable site;
    final @Nullable HoldEvent event;
    private volatile int released; // 0 while held; 1 once closed or cleaned (one winner, by CAS)
    private volatile int reported; // 0, then 1 once reported as leaked (one report, by CAS)
    volatile @Nullable ScheduledFuture<?> leakCheck;

    Holding(
        Observer observer,
        LocalSync sync,
        int permits,
        long grantedAt,
        @Nullable Throwable site,
        @Nullable HoldEvent event) {
      this.observer = observer;
      this.sync = sync;
      this.permits = permits;
      this.grantedAt = grantedAt;
      this.since = observer.tracksHolders() ? Instant.now() : Instant.EPOCH;
      this.thread = Thread.currentThread();
      this.site = site;
      this.event = event;
    }

    /** The permit's close(): true if this call released it. */
    boolean release() {
      if (released != 0 || !RELEASED.compareAndSet(this, 0, 1)) {
        return false;
      }
      long held = System.nanoTime() - grantedAt;
      observer.released(this, held); // first: a waiter granted by this release reports after it
      sync.release(permits);
      return true;
    }

    /** The cleaner's action: the permit became unreachable, or close() cleaned it. */
    @Override
    public void run() {
      if (released != 0 || !RELEASED.compareAndSet(this, 0, 1)) {
        return; // closed: nothing to do
      }
      long held = System.nanoTime() - grantedAt;
      if (observer.returnsLeakedPermits()) {
        observer.released(this, held);
        sync.release(permits);
      }
      observer.unreachableWhileHeld(this, held); // last: whoever reads the report sees it done
    }

    boolean isReleased() {
      return released != 0;
    }

    /** True for the one caller that reports this permit as leaked. */
    boolean claimReport() {
      return reported == 0 && REPORTED.compareAndSet(this, 0, 1);
    }

    private static final VarHandle RELEASED;
    private static final VarHandle REPORTED;

    static {
      try {
        MethodHandles.Lookup lookup = MethodHandles.lookup();
        RELEASED = lookup.findVarHandle(Holding.class, "released", int.class);
        REPORTED = lookup.findVarHandle(Holding.class, "reported", int.class);
      } catch (ReflectiveOperationException e) {
        throw new ExceptionInInitializerError(e);
      }
    }

    PermitHolder describe() {
      return new PermitHolder(
          permits, thread.getName(), thread.threadId(), since, LeakTracking.trimmedSite(site));
    }
  }
}
