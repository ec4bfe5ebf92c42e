package io.permits.stress;

import io.permits.Permit;
import io.permits.Semaphore;
import io.permits.SemaphoreClosedException;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One semaphore of a stress run, from its creation to its close-and-replace, with the external
 * checker's books on it: the {@link Ledger} of permits held and the log of the limits it had.
 * The rule these books check is stated in {@link StressRun}'s implementation notes; this class
 * keeps them.
 */
final class Generation {

  /*
   * The limit log: resize number e (epoch e; epoch 0 is the starting limit) sets the limit to
   * log[e % LOG_SIZE]. Resizes of one generation are serialized by `resizeLock`; each writes its
   * slot and advances `epoch` *before* calling setLimit, and advances `settled` after setLimit
   * returned. So once `settled` reads k, the limit in force is log[k] or a later one, and every
   * later one is announced in the log before it takes effect. A request that read `settled` = s
   * before it started and `epoch` = r after it ended saw only limits among log[s .. r]. The ring
   * keeps the last LOG_SIZE limits; a request that overlapped more resizes than that gets the
   * widest answer (maxLimit for a ceiling, 1 for a floor), which is always true, only less sharp.
   */
  private static final int LOG_SIZE = 64; // a power of two; resizes are ~1.5% of operations

  final int id;
  final Semaphore semaphore;
  private final StressRun run;
  private final int maxLimit;

  private final AtomicReference<Ledger> ledger = new AtomicReference<>(Ledger.EMPTY);
  private final AtomicIntegerArray limitLog = new AtomicIntegerArray(LOG_SIZE);
  private final ReentrantLock resizeLock = new ReentrantLock();
  private volatile long epoch; // the last resize announced
  private volatile long settled; // the last resize whose setLimit call returned

  private volatile boolean closeStarted; // set before semaphore.close() is called
  private volatile boolean closeFinished; // set after it returned

  Generation(StressRun run, int id, Semaphore semaphore, int maxLimit) {
    this.run = run;
    this.id = id;
    this.semaphore = semaphore;
    this.maxLimit = maxLimit;
    limitLog.set(0, semaphore.limit());
  }

  // ---------------------------------------------------------------- request windows

  /**
   * Read before a request starts: the first resize epoch whose limit may be in force during it.
   */
  long epoch() {
    return settled;
  }

  /** Read before a request starts: true if nothing may be granted to it any more. */
  boolean closeFinished() {
    return closeFinished;
  }

  /** The largest limit in force at some instant since a request that opened at {@code start}. */
  int ceilingSince(long start) {
    long from = start;
    if (epoch - from >= LOG_SIZE - 1) {
      return maxLimit;
    }
    int max = 0;
    for (long e = from, to = epoch; e <= to; e++) {
      max = Math.max(max, limitLog.get(slot(e)));
    }
    // a resize writes slot (epoch + 1) before it advances epoch: keep one slot of margin
    return epoch - from < LOG_SIZE - 1 ? max : maxLimit;
  }

  /** The smallest limit in force at some instant since a request that opened at {@code start}. */
  int floorSince(long start) {
    long from = start;
    if (epoch - from >= LOG_SIZE - 1) {
      return 1;
    }
    int min = Integer.MAX_VALUE;
    for (long e = from, to = epoch; e <= to; e++) {
      min = Math.min(min, limitLog.get(slot(e)));
    }
    return epoch - from < LOG_SIZE - 1 ? min : 1;
  }

  private static int slot(long epoch) {
    return (int) (epoch & (LOG_SIZE - 1));
  }

  // ---------------------------------------------------------------- grants and releases

  /**
   * Books a permit just granted (and not yet used) and checks the bound: the weight held, this
   * grant included, must not exceed the largest ceiling of the holdings in the same snapshot.
   *
   * @param start the epoch read before the request started
   * @param closedAtStart whether close() had returned before the request started
   * @param how the kind of request, tallied
   */
  Holding register(Permit permit, int weight, long start, boolean closedAtStart, Outcome how) {
    run.tally(how);
    String request = how.label() + "(" + weight + ")";
    if (permit.permits() != weight) {
      run.violation(
          "weight", request + " granted a permit of " + permit.permits() + " in generation " + id);
    }
    if (!permit.isHeld()) {
      run.violation("held", request + " granted a permit that says it is not held: " + permit);
    }
    if (closedAtStart) {
      run.violation(
          "closed",
          request + " was granted by generation " + id + ", whose close() returned before it began");
    }
    int ceiling = ceilingSince(start);
    Ledger before;
    Ledger after;
    do {
      before = ledger.get();
      after = before.plus(ceiling, weight);
    } while (!ledger.compareAndSet(before, after));
    if (after.held() == after.ceiling()) {
      run.tally(Outcome.AT_BOUND);
    } else if (after.held() > after.ceiling()) {
      run.violation(
          "bound",
          "generation "
              + id
              + " has "
              + after.held()
              + " permits held, more than any limit in force while they were granted (ledger "
              + after
              + ", after "
              + request
              + " with ceiling "
              + ceiling
              + "); "
              + semaphore);
    }
    return new Holding(this, permit, weight, ceiling);
  }

  /**
   * Takes a holding off the books, once: the first caller wins. Called before the permit is
   * closed, so the books never show a permit the semaphore may already have granted again.
   *
   * @return true if this call took it off
   */
  boolean unregister(Holding holding) {
    if (!holding.unbooked.compareAndSet(false, true)) {
      return false;
    }
    Ledger before;
    do {
      before = ledger.get();
    } while (!ledger.compareAndSet(before, before.minus(holding.ceiling, holding.weight)));
    return true;
  }

  /** Takes a holding off the books and closes its permit (twice if asked); checks it is let go. */
  void release(Holding holding, boolean closeTwice) {
    unregister(holding);
    holding.permit.close();
    if (closeTwice) {
      holding.permit.close();
      run.tally(Outcome.DOUBLE_CLOSE);
    }
    checkReleased(holding);
  }

  void checkReleased(Holding holding) {
    if (holding.permit.isHeld()) {
      run.violation(
          "held", "a closed permit of generation " + id + " still says it is held: " + holding);
    }
  }

  // ---------------------------------------------------------------- expected failures

  /** A request failed with SemaphoreClosedException: expected once close() has been called. */
  void closedFailure(SemaphoreClosedException failure, String request) {
    if (closeStarted) {
      run.tally(Outcome.CLOSED);
    } else {
      run.violation(
          "closed",
          request + " failed with '" + failure.getMessage() + "' but generation " + id
              + " was never closed");
    }
  }

  /**
   * A request failed with IllegalArgumentException: expected only if some limit in force during
   * the request was smaller than the request.
   */
  void tooLargeFailure(int weight, long start, IllegalArgumentException failure, String request) {
    int floor = floorSince(start);
    if (weight > floor) {
      run.tally(Outcome.TOO_LARGE);
    } else {
      run.violation(
          "too large",
          request
              + " failed with '"
              + failure.getMessage()
              + "' though the limit of generation "
              + id
              + " never fell below "
              + floor
              + " during the request");
    }
  }

  // ---------------------------------------------------------------- resize and close

  /** Sets a new limit, announced in the log before the semaphore sees it. */
  void resize(int newLimit) {
    resizeLock.lock();
    try {
      long next = epoch + 1;
      limitLog.set(slot(next), newLimit);
      epoch = next;
      semaphore.setLimit(newLimit);
      settled = next;
    } finally {
      resizeLock.unlock();
    }
    run.tally(Outcome.RESIZE);
  }

  void close(boolean twice) {
    closeStarted = true;
    semaphore.close();
    if (twice) {
      semaphore.close();
    }
    closeFinished = true;
  }

  // ---------------------------------------------------------------- quiescence

  /**
   * Run once every worker, callback and handed-off permit is done: checks that the books are
   * empty, nobody waits, every permit is back, and (for the live generation) that exactly the
   * limit can be taken at once, not one permit more.
   */
  void checkQuiescent(boolean live) {
    Ledger books = ledger.get();
    if (books.held() != 0) {
      run.violation(
          "driver", "the books of generation " + id + " still show " + books + " at the end");
    }
    int logged = limitLog.get(slot(epoch));
    int limit = semaphore.limit();
    if (limit != logged) {
      run.violation(
          "limit", "generation " + id + " has limit " + limit + " after setLimit(" + logged + ")");
    }
    if (semaphore.waiting() != 0) {
      run.violation(
          "quiescence", "generation " + id + " has waiters once everyone stopped: " + semaphore);
    }
    if (semaphore.available() != limit) {
      run.violation(
          "conservation",
          "generation " + id + " has available() != limit() once every permit was closed: "
              + semaphore);
    }
    if (live) {
      checkAllPermitsAtOnce(limit);
    } else if (!semaphore.isClosed()) {
      run.violation("closed", "generation " + id + " was closed but says it is open: " + semaphore);
    } else {
      try {
        Optional<Permit> granted = semaphore.tryAcquire(1);
        run.violation("closed", "generation " + id + " granted a permit after close()");
        granted.ifPresent(Permit::close);
      } catch (SemaphoreClosedException expected) {
        // as it should
      }
    }
  }

  /** available() is clamped to [0, limit]; taking all permits, then one more, sees past it. */
  private void checkAllPermitsAtOnce(int limit) {
    Optional<Permit> all = semaphore.tryAcquire(limit);
    if (all.isEmpty()) {
      run.violation(
          "conservation",
          "generation " + id + " refused tryAcquire(" + limit + ") with nothing held: permits lost; "
              + semaphore);
      return;
    }
    Optional<Permit> extra = semaphore.tryAcquire(1);
    if (extra.isPresent()) {
      run.violation(
          "conservation",
          "generation " + id + " granted one permit more than its limit " + limit
              + ": permits released twice; " + semaphore);
      extra.get().close();
    }
    all.get().close();
    if (semaphore.available() != limit) {
      run.violation(
          "conservation",
          "generation " + id + " did not get its " + limit + " permits back: " + semaphore);
    }
  }

  @Override
  public String toString() {
    return "generation " + id + " (" + ledger.get() + "): " + semaphore;
  }

  /** Permits granted by a generation and booked in its ledger, until taken off. */
  static final class Holding {
    final Generation generation;
    final Permit permit;
    final int weight;
    final int ceiling;
    final AtomicBoolean unbooked = new AtomicBoolean();

    Holding(Generation generation, Permit permit, int weight, int ceiling) {
      this.generation = generation;
      this.permit = permit;
      this.weight = weight;
      this.ceiling = ceiling;
    }

    @Override
    public String toString() {
      return permit + " of generation " + generation.id + " (ceiling " + ceiling + ")";
    }
  }
}
