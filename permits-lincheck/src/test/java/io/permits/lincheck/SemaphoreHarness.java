package io.permits.lincheck;

import io.permits.Permit;
import io.permits.Semaphore;
import io.permits.SemaphoreClosedException;
import java.util.Optional;
import org.jetbrains.lincheck.datastructures.IntGen;
import org.jetbrains.lincheck.datastructures.Operation;
import org.jetbrains.lincheck.datastructures.Param;
import org.jetbrains.lincheck.datastructures.ThreadIdGen;
import org.jetbrains.lincheck.datastructures.Validate;

/**
 * The state and the non-waiting operations of a Lincheck test of a {@link Semaphore}: what
 * Lincheck calls on the semaphore under test and, with the same names and arguments, on {@link
 * SemaphoreModel}. A concrete test class builds its semaphore in its no-argument constructor
 * (Lincheck makes a fresh test object for every run of a scenario) and names its model. The
 * semaphore starts with {@link #LIMIT} = 2 permits.
 *
 * <p>Operations, with results as short strings so that failures read well:
 *
 * <ul>
 *   <li>{@code tryAcquire(n)}, n in 1..3: "ok" (the permit goes to the calling thread's first
 *       free slot), "no", "refused", or "full" (no free slot; nothing was tried). "refused" is
 *       {@link SemaphoreClosedException} or {@link IllegalArgumentException} (n above the
 *       limit): when a close and a shrink race a request, which of the two it gets is timing,
 *       and the contract does not rank them, so the test takes both alike.
 *   <li>{@code release(slot)}: closes the calling thread's permit in that slot and leaves it
 *       there, so the same permit may be closed again (a no-op); true if it was held.
 *   <li>{@code releaseHandedOver()}: parallel thread t closes the permit that the initial part
 *       took into its slot t-1: a permit closed by another thread than the one that took it.
 *   <li>{@code setLimit(k)} with k in 1..3, and {@code close()}.
 *   <li>{@code available()} and {@code waiting()} are operations of {@link CounterHarness} (and
 *       {@code waiting()} of {@link QueueHarness}); custom scenarios may call them anywhere.
 * </ul>
 *
 * <p>Why the slots belong to threads: storing a permit in a slot shared by threads is a second
 * step after the grant, and another thread could see the grant (say through {@code available()})
 * and still find the slot empty; Lincheck would report that race of the test's own bookkeeping
 * as a violation. A thread's own slots are touched only by that thread ({@link ThreadIdGen}
 * passes its number: 0 for the initial part, 1..t for the parallel threads, t+1 for the final
 * part), so each operation takes effect at one point inside the semaphore. The initial part ends
 * before the parallel threads start, so they may close what it took.
 *
 * <p>{@link #conservation()} runs at the end of every scenario, once every thread is done: it
 * closes every permit the test still holds (and, in {@link QueueHarness}, settles every
 * request) and checks that the semaphore is whole again: {@code available() == limit()}, no
 * request queued, and, unless closed, exactly {@code limit()} permits to be had, not one more
 * ({@code available()} is clamped to the limit, so only acquiring shows an over-release).
 */
@Param(name = "thread", gen = ThreadIdGen.class)
@Param(name = "permits", gen = IntGen.class, conf = "1:3")
@Param(name = "slot", gen = IntGen.class, conf = "0:1")
@Param(name = "limit", gen = IntGen.class, conf = "1:3")
public abstract class SemaphoreHarness {

  /** The semaphore's limit at the start of every scenario. */
  static final int LIMIT = 2;

  /** Permit (and future) slots per thread. */
  static final int SLOTS = 2;

  /** Thread numbers from {@link ThreadIdGen}: init, up to 4 parallel threads, post. */
  static final int THREAD_IDS = 6;

  /** The thread number of the initial sequential part. */
  static final int INIT_THREAD = 0;

  protected final Semaphore semaphore;
  private final Permit[][] permits = new Permit[THREAD_IDS][SLOTS];

  protected SemaphoreHarness(Semaphore semaphore) {
    this.semaphore = semaphore;
  }

  @Operation(params = {"thread", "permits"})
  public String tryAcquire(int thread, int n) {
    Permit[] mine = permits[thread];
    int slot = freeSlot(mine);
    if (slot < 0) {
      return "full";
    }
    try {
      Optional<Permit> permit = semaphore.tryAcquire(n);
      if (permit.isEmpty()) {
        return "no";
      }
      mine[slot] = permit.get();
      return "ok";
    } catch (SemaphoreClosedException | IllegalArgumentException refused) {
      return "refused";
    }
  }

  @Operation(params = {"thread", "slot"})
  public boolean release(int thread, int slot) {
    Permit permit = permits[thread][slot];
    if (permit == null) {
      return false;
    }
    boolean held = permit.isHeld(); // only this thread closes its own permits
    permit.close();
    return held;
  }

  @Operation(params = {"thread"})
  public void releaseHandedOver(int thread) {
    releaseShared(thread - 1);
  }

  /**
   * Closes the initial part's permit in {@code slot}, from any thread. Not an operation of the
   * random scenarios: when two threads close the same permit at once, the one that loses may
   * return before the winner has given the permits back (see {@link
   * KnownLimitsTest#aSecondCloseMayReturnBeforeTheFirstHasReleased}), so only custom scenarios,
   * which look at the result after both, use it this way.
   */
  public void releaseShared(int slot) {
    Permit permit = slot >= 0 && slot < SLOTS ? permits[INIT_THREAD][slot] : null;
    if (permit != null) {
      permit.close();
    }
  }

  /** An estimate while other threads go on: an operation of {@link CounterHarness} only. */
  public int available() {
    return semaphore.available();
  }

  /** An estimate while other threads go on: an operation of {@link CounterHarness} only. */
  public int waiting() {
    return semaphore.waiting();
  }

  @Operation(params = {"limit"})
  public void setLimit(int limit) {
    semaphore.setLimit(limit);
  }

  @Operation
  public void close() {
    semaphore.close();
  }

  /** Quiescent check after each scenario: nothing lost, nothing duplicated, nothing queued. */
  @Validate
  public void conservation() {
    settleAll();
    for (Permit[] mine : permits) {
      for (Permit permit : mine) {
        if (permit != null) {
          permit.close();
        }
      }
    }
    int limit = semaphore.limit();
    if (semaphore.available() != limit || semaphore.waiting() != 0) {
      throw new IllegalStateException(
          "lost permits or a stuck request: with every permit closed and every request settled, "
              + semaphore);
    }
    if (!semaphore.isClosed()) {
      Permit all = semaphore.tryAcquire(limit).orElseThrow();
      if (semaphore.tryAcquire(1).isPresent()) {
        throw new IllegalStateException(
            "duplicated permits: more than the limit of " + limit + " granted, " + semaphore);
      }
      all.close();
    }
  }

  /** Settles whatever the subclass's own operations left pending. */
  void settleAll() {}

  private static int freeSlot(Permit[] mine) {
    for (int slot = 0; slot < mine.length; slot++) {
      if (mine[slot] == null || !mine[slot].isHeld()) {
        return slot;
      }
    }
    return -1;
  }
}
