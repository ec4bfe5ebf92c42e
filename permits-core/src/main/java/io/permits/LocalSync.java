package io.permits;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;

/**
 * The engine behind {@link LocalSemaphore}: an atomic permit count for the fast path and a FIFO
 * queue of waiters, blocking and asynchronous alike, for the rest.
 */
final class LocalSync {

  /*
   * Implementation notes
   * ====================
   *
   * The whole algorithm, in the manner of Tokio's batch_semaphore:
   *
   * Free permits are counted in one atomic word, `state`, together with three flags. A request
   * that finds enough free permits (and is allowed to take them) takes them with one CAS; a
   * release adds them back with one atomic add. Requests that must wait are queued as nodes in
   * an intrusive doubly linked FIFO list guarded by `lock`. Blocking, timed and asynchronous
   * requests use the same node; they differ only in how they are woken (unpark a thread,
   * complete a future). Under handoff (STRICT always, BOUNDED while a waiter is overdue),
   * released permits are handed to the head of the queue while the lock is held, by moving them
   * out of `state` into the node (`assigned`); a node that has all it asked for is unlinked and
   * put on a local "wake chain", and the chain is woken after the lock is released, so no thread
   * is woken and no future completed under the lock, and a release wakes only the waiters it
   * satisfied (no thundering herd). Outside handoff (BARGING, BOUNDED otherwise), a release
   * leaves its permits in `state` and, without the lock, wakes a blocked head that could use
   * them (`signalHead`); the head takes them with the fast path's CAS and then unlinks itself
   * (`takeAsHead`). The releasing thread usually takes them back first, which is the point:
   * oversubscribed threads keep running instead of paying a park, an unpark and two context
   * switches per pair (docs/benchmarks.md has the figures).
   *
   * State word
   * ----------
   *
   *   bit 63 ......... 36 | 35 ........... 3 | 2       | 1      | 0
   *   fast-path grants    | available + 2^32 | HANDOFF | QUEUED | CLOSED
   *
   *   grants     grants made by the fast path, modulo 2^28: counted by the same CAS that takes
   *              the permits, so statistics cost no second atomic per acquire (a LongAdder
   *              would); a wrap is counted in `grantWraps` by the CAS that made it.
   *   available  permits free for the taking; negative after a shrink below the permits held.
   *              Stored with a bias of 2^32 so that the field never borrows from the grants:
   *              it stays within [0, 2^33) because |available| <= 2^31.
   *   CLOSED     set once by close(); fast paths test it without the lock.
   *   QUEUED     the wait queue is not empty: a release must take the lock and distribute.
   *   HANDOFF    free permits belong to the queue: fast-path acquires must not take them, and
   *              the head may be given fewer permits than it asked for, to be topped up later.
   *
   * QUEUED and HANDOFF change only under the lock; `available` changes anywhere, by CAS (acquire
   * fast path, a head taking for itself) or atomic add (release), which never disturbs the flags
   * because they sit below the count. Because both the fast paths and the lock holder update the same word atomically,
   * a release that saw QUEUED clear happened entirely before the enqueuer's CAS that set it, and
   * the enqueuer (which distributes after linking) sees those permits.
   *
   * Invariants
   * ----------
   *
   *   limit == held + available + assigned (summed over queued nodes)     (conservation)
   *   held <= limit, except after a shrink, until holders return the excess  (bound)
   *   queue empty  <=>  QUEUED clear;  HANDOFF set  =>  QUEUED set
   *   STRICT: HANDOFF set  <=>  QUEUED set (so a newcomer never overtakes a waiter)
   *   a node with assigned > 0 is the head, and only while HANDOFF is set
   *   every increase of `available` made while QUEUED is set is followed by distributeLocked(),
   *     or, outside handoff with a blocked head, by signalHead(): the release adds, then reads
   *     `head` and its `signalled`; the head clears `signalled`, then reads `state` before it
   *     parks; a head that leaves writes `head` (unlink), then reads `state` (distributeLocked).
   *     All volatile, so one side always sees the other: no lost wake-up.
   *
   * Fairness
   * --------
   *
   *   STRICT   enqueuing sets QUEUED|HANDOFF: while anyone waits, every permit goes to the head,
   *            partially if short, so a large request is never overtaken.
   *   BARGING  enqueuing sets QUEUED only: newcomers take free permits on the fast path; the
   *            head competes for them when a release signals it, and is granted under the lock
   *            only when all it asked for is free at once. Only the head competes; the others
   *            wait their turn to be head.
   *   BOUNDED  as BARGING, until distributeLocked() finds a head it cannot serve whole that has
   *            waited longer than `handoffAfterNanos`; it then sets HANDOFF, which makes the
   *            semaphore STRICT. Who runs that check: a head woken to compete that lost; a
   *            release that finds too few permits to wake the head for (it distributes instead
   *            of signalling once the head is overdue); and lock paths that have served nobody.
   *            No waiter keeps an alarm: without releases there is nothing to hand off, and a
   *            timer per waiter would cost every wait a timer task.
   *            HANDOFF is cleared when a node is granted that had waited less than the bound
   *            (nobody overdue is left, as Go's sync.Mutex leaves starvation mode) or when the
   *            queue drains.
   *
   * Platform threads at the head spin briefly (HEAD_SPINS × Thread.onSpinWait()) before
   * parking: a STRICT grant, or free permits, is often a few hundred nanoseconds away, and
   * a park costs microseconds. Virtual threads do not spin: a spinning virtual thread holds its
   * carrier.
   *
   * Leaving a wait (the one abandon path)
   * -------------------------------------
   *
   * A node's `status` goes from WAITING to exactly one final value, only under the lock:
   * GRANTED (by distributeLocked), or, through abandonLocked(), CANCELLED (timeout, interrupt,
   * future cancelled or completed by its caller), CLOSED (close()) or TOO_LARGE (a shrink below
   * the request). abandonLocked() unlinks the node and returns any permits assigned to it to
   * `available`; the caller then runs distributeLocked(), so removing the head re-runs grants
   * for the waiters behind it (golang/go#37852) and permits set aside for a cancelled waiter
   * are passed on (cpython#90155). A waiter that finds its status already final when it tries
   * to leave has lost the race to a grant or a failure, and takes that outcome instead: a timed
   * acquire returns the permit, an interrupted one returns it with the interrupt flag set.
   *
   * Futures
   * -------
   *
   * acquireAsync() returns an AcquireFuture whose cancel(), complete() and completeExceptionally()
   * first withdraw the request through the abandon path, then complete the future (so its
   * dependent stages see the request gone). A grant completes the future after the lock is
   * released. If a withdrawal finds its node already decided (granted or failed under the
   * lock, but not yet delivered), it delivers that outcome itself before the caller's own
   * completion, so the decision made under the lock is the one every observer sees (Lincheck
   * found the earlier order, where a late cancel undid a grant, not linearizable). Both
   * deliverers hand over the same permit object, created once by CAS on the node. Either the
   * caller holds the permit or the request was withdrawn with its permits passed on, never
   * both, never neither. Completions run dependent stages on the completing thread,
   * so nested completions on one thread are trampolined through a thread-local queue, which
   * bounds the stack however long a chain of "acquire, then release" continuations grows.
   *
   * setLimit() changes `available` by the difference under the lock, fails queued requests
   * larger than the new limit through the abandon path, and distributes; it never waits. It
   * publishes a larger limit only after adding its permits, and a smaller limit before removing
   * them, so a request checked against the limit without the lock never sees a limit whose
   * permits are missing; a tryAcquire that failed re-checks the limit, so a shrink that raced
   * it is reported as an impossible request rather than as "none free".
   */

  // Node status values: WAITING, then exactly one final value.
  static final int WAITING = 0;
  static final int GRANTED = 1;
  static final int CANCELLED = 2;
  static final int CLOSED_WHILE_WAITING = 3;
  static final int TOO_LARGE = 4;

  // State word layout.
  private static final long CLOSED = 1L;
  private static final long QUEUED = 1L << 1;
  private static final long HANDOFF = 1L << 2;
  private static final int AVAILABLE_SHIFT = 3;
  private static final int AVAILABLE_BITS = 33;
  private static final long AVAILABLE_MASK = (1L << AVAILABLE_BITS) - 1;
  private static final long AVAILABLE_BIAS = 1L << 32; // stored: available + bias, never negative
  private static final int GRANTS_SHIFT = AVAILABLE_SHIFT + AVAILABLE_BITS; // 36
  private static final long ONE_GRANT = 1L << GRANTS_SHIFT;
  private static final long GRANTS_WRAP = 1L << (Long.SIZE - GRANTS_SHIFT); // 2^28

  /** Blocking waiters at the head spin this many times before parking (platform threads). */
  private static final int HEAD_SPINS = 1 << 10;

  private final LocalSemaphore owner;
  private final Fairness fairness;
  private final long handoffAfterNanos;
  private final ReentrantLock lock = new ReentrantLock();

  private volatile long state;

  // Written under the lock; volatile so that monitoring getters may read them without it.
  private volatile int limit;
  private volatile int queueLength;

  // Written under the lock; head is volatile so that a barging release may signal it without it.
  private volatile @Nullable Node head;
  private @Nullable Node tail;
  private long assignedToWaiters;

  private final LongAdder queuedGrants = new LongAdder(); // grants to queued requests
  private final LongAdder grantWraps = new LongAdder(); // times the state's grant counter wrapped
  private final Observer observer;
  private volatile int peakWaiting; // written under the lock

  LocalSync(
      LocalSemaphore owner,
      int limit,
      Fairness fairness,
      long handoffAfterNanos,
      Observer observer) {
    this.owner = owner;
    this.observer = observer;
    this.fairness = fairness;
    this.handoffAfterNanos = handoffAfterNanos;
    this.limit = limit;
    this.state = ((long) limit + AVAILABLE_BIAS) << AVAILABLE_SHIFT;
  }

  // ---------------------------------------------------------------- monitoring

  int limit() {
    return limit;
  }

  int available() {
    long available = availableOf(state);
    return (int) Math.max(0, Math.min(available, limit));
  }

  int waiting() {
    return queueLength;
  }

  boolean isClosed() {
    return (state & CLOSED) != 0;
  }

  SemaphoreStats stats() {
    int currentLimit;
    long available;
    long assigned;
    int queued;
    lock.lock();
    try {
      currentLimit = limit;
      available = availableOf(state);
      assigned = assignedToWaiters;
      queued = queueLength;
    } finally {
      lock.unlock();
    }
    long held = currentLimit - available - assigned;
    return observer
        .statistics()
        .snapshot(
            currentLimit,
            (int) Math.max(0, Math.min(available, currentLimit)),
            (int) Math.max(0, held),
            queued,
            peakWaiting,
            grants());
  }

  List<PermitHolder> holders() {
    return observer.holders();
  }

  /** Fast-path grants (counted in the state word, modulo 2^28, plus its wraps) and queued ones. */
  private long grants() {
    long wraps = grantWraps.sum();
    return wraps * GRANTS_WRAP + (state >>> GRANTS_SHIFT) + queuedGrants.sum();
  }

  String describe() {
    long s = state;
    return "limit="
        + limit
        + ", available="
        + availableOf(s)
        + ", waiting="
        + queueLength
        + ((s & CLOSED) != 0 ? ", closed" : "")
        + ((s & HANDOFF) != 0 ? ", handoff" : "");
  }

  // ---------------------------------------------------------------- acquire

  /** Untimed, non-blocking: the fast path only. Returns null if the permits cannot be had now. */
  @Nullable Permit tryAcquire(int permits) {
    if (takeFree(permits, "tryAcquire")) {
      return grantedNow(permits);
    }
    observer.rejected(permits);
    return null;
  }

  Permit acquire(int permits) throws InterruptedException {
    if (Thread.interrupted()) {
      throw new InterruptedException();
    }
    if (takeFree(permits, "acquire")) {
      return grantedNow(permits);
    }
    Permit permit = await(enqueue(new Node(permits, Thread.currentThread(), null)), false, 0L);
    return Objects.requireNonNull(permit, "an untimed wait ends with a permit or a throw");
  }

  /** Returns null if the time ran out. */
  @Nullable Permit tryAcquire(int permits, long timeoutNanos) throws InterruptedException {
    if (Thread.interrupted()) {
      throw new InterruptedException();
    }
    if (takeFree(permits, "tryAcquire")) {
      return grantedNow(permits);
    }
    if (timeoutNanos <= 0) {
      observer.rejected(permits);
      return null;
    }
    long deadline = System.nanoTime() + timeoutNanos;
    return await(enqueue(new Node(permits, Thread.currentThread(), null)), true, deadline);
  }

  CompletableFuture<Permit> acquireAsync(int permits) {
    try {
      if (takeFree(permits, "acquireAsync")) {
        return CompletableFuture.completedFuture(grantedNow(permits));
      }
    } catch (SemaphoreClosedException closed) {
      return CompletableFuture.failedFuture(closed); // async callers get one channel
    }
    AcquireFuture future = new AcquireFuture(this, permits);
    enqueue(future.node);
    return future;
  }

  /**
   * The fast path: takes {@code permits} from {@code available} with one CAS if they are free
   * and no handoff is in force. The same CAS counts the grant in the state's top bits.
   */
  private boolean takeFree(int permits, String operation) {
    long delta = ((long) permits << AVAILABLE_SHIFT) - ONE_GRANT;
    for (; ; ) {
      long s = state;
      if ((s & CLOSED) != 0) {
        throw closedException(operation);
      }
      if ((s & HANDOFF) != 0 || availableOf(s) < permits) {
        return false;
      }
      if (STATE.compareAndSet(this, s, s - delta)) {
        if ((s >>> GRANTS_SHIFT) == GRANTS_WRAP - 1) {
          grantWraps.increment(); // once per 2^28 grants
        }
        return true;
      }
    }
  }

  /**
   * Queues a request, unless it can be granted (or must fail) at once under the lock. Whatever
   * the outcome, the node's status says it; a node decided here is woken like any other.
   */
  private Node enqueue(Node node) {
    Node wake = null;
    lock.lock();
    try {
      if ((state & CLOSED) != 0) {
        node.status = CLOSED_WHILE_WAITING;
        wake = node;
      } else if (node.permits > limit) {
        node.status = TOO_LARGE;
        wake = node;
      } else if (takeFreeLocked(node.permits)) {
        node.status = GRANTED;
        wake = node;
      } else {
        // flags first, then the node: once waiting() counts it, a STRICT newcomer's fast path
        // already sees QUEUED and HANDOFF and cannot take free permits ahead of it
        long flags = fairness == Fairness.STRICT ? QUEUED | HANDOFF : QUEUED;
        if ((state & flags) != flags) { // set already: spare the write
          STATE.getAndBitwiseOr(this, flags);
        }
        linkLast(node);
        wake = distributeLocked(null);
      }
    } finally {
      lock.unlock();
    }
    wake(wake);
    return node;
  }

  private boolean takeFreeLocked(int permits) {
    long delta = (long) permits << AVAILABLE_SHIFT;
    for (; ; ) {
      long s = state;
      if ((s & HANDOFF) != 0 || availableOf(s) < permits) {
        return false;
      }
      if (STATE.compareAndSet(this, s, s - delta)) {
        return true;
      }
    }
  }

  /**
   * The one wait loop of blocking and timed requests. Returns the permit, or null if a timed
   * request ran out of time.
   */
  private @Nullable Permit await(Node node, boolean timed, long deadline) throws InterruptedException {
    boolean competes = fairness != Fairness.STRICT;
    boolean mayRequestHandoff = fairness == Fairness.BOUNDED;
    int spins = Thread.currentThread().isVirtual() ? 0 : HEAD_SPINS;
    for (; ; ) {
      int status = node.status;
      if (status == GRANTED) {
        return grantedAfterWait(node);
      }
      if (status != WAITING) {
        observer.gaveUp(node, outcomeOf(node));
        throw failureOf(node, "acquire");
      }
      if (competes && head == node && takeAsHead(node)) {
        return grantedAfterWait(node);
      }
      if (Thread.interrupted()) {
        if (abandon(node)) {
          observer.gaveUp(node, Outcome.INTERRUPTED);
          throw new InterruptedException();
        }
        // A grant or failure won the race; take it, and keep the interrupt for the caller.
        Thread.currentThread().interrupt();
        continue;
      }
      long now = 0L;
      long remaining = Long.MAX_VALUE;
      if (timed) {
        now = System.nanoTime();
        remaining = deadline - now;
        if (remaining <= 0) {
          if (abandon(node)) {
            observer.gaveUp(node, Outcome.TIMEOUT);
            return null;
          }
          continue;
        }
      }
      if (spins > 0 && head == node) {
        // At the head: a grant (or free permits) may be a moment away; a park and unpark cost
        // two context switches. Platform threads only: a spinning virtual thread holds its carrier.
        spins--;
        Thread.onSpinWait();
        continue;
      }
      if (competes) {
        // Clear the signal, then look again: a release adds its permits, then reads `head`,
        // then the signal; this thread clears the signal, then reads `head`, then the state.
        // All volatile, so either the release sees the signal clear (and unparks this thread)
        // or this thread sees the release's permits. Being the head is judged from the volatile
        // `head`, never from `prev`, which unlink() sets after it publishes the new head: a head
        // that judged itself by a stale `prev` could park with its signal still set, and no
        // release would wake it again.
        node.signalled = 0;
        if (head == node && canTake(node.permits)) {
          continue;
        }
      }
      if (mayRequestHandoff && head == node && (state & HANDOFF) == 0) {
        // BOUNDED: a head that lost the race for free permits checks whether it is overdue.
        // No alarm is needed: a head parked while releases leave too few permits to wake it
        // for is checked by those releases (signalHead), and without releases there is nothing
        // to hand off (a timed park per waiter would cost every wait a timer task).
        if (now == 0L) {
          now = System.nanoTime();
        }
        if (now - node.enqueuedAt >= handoffAfterNanos) {
          mayRequestHandoff = false; // once: from here on the queue serves this node in order
          distribute();
          continue;
        }
      }
      if (remaining == Long.MAX_VALUE) {
        LockSupport.park(this);
      } else {
        LockSupport.parkNanos(this, remaining);
      }
    }
  }

  /** True if {@code permits} are free and no handoff is in force (a hint; takeAsHead decides). */
  private boolean canTake(int permits) {
    long s = state;
    return (s & (HANDOFF | CLOSED)) == 0 && availableOf(s) >= permits;
  }

  /**
   * Barging modes: the head of the queue takes free permits itself, as a newcomer would, then
   * leaves the queue. Returns false if none could be taken. If the node was decided meanwhile
   * (granted, or failed by close or a shrink that came after this CAS), the earlier event wins:
   * a grant made under the lock keeps its permits and the ones taken here go back; a failure
   * made after the CAS yields to it (the request was satisfied first).
   */
  private boolean takeAsHead(Node node) {
    long delta = (long) node.permits << AVAILABLE_SHIFT;
    for (; ; ) {
      long s = state;
      if ((s & (HANDOFF | CLOSED)) != 0 || availableOf(s) < node.permits) {
        return false;
      }
      if (STATE.compareAndSet(this, s, s - delta)) {
        break;
      }
    }
    Node wake;
    lock.lock();
    try {
      if (node.status == WAITING) {
        unlink(node);
        if (node.assigned > 0) {
          // BOUNDED: a handoff began after the CAS and set permits aside for this head; it has
          // its own, so those go back (else they would be missing once all were closed).
          STATE.getAndAdd(this, (long) node.assigned << AVAILABLE_SHIFT);
          assignedToWaiters -= node.assigned;
          node.assigned = 0;
        }
        node.status = GRANTED;
      } else if (node.status == GRANTED) {
        STATE.getAndAdd(this, delta); // granted under the lock as well: keep that grant
      } // else: closed or shrunk after the CAS; the grant came first and stands
      wake = distributeLocked(null); // the next head may be served by what is still free
    } finally {
      lock.unlock();
    }
    wake(wake);
    return true;
  }

  // ---------------------------------------------------------------- release and distribution

  /**
   * Gives permits back: one atomic add, then, only if someone waits, either a signal to the head
   * (barging modes outside handoff) or a distribution under the lock.
   */
  void release(int permits) {
    long before = (long) STATE.getAndAdd(this, (long) permits << AVAILABLE_SHIFT);
    if ((before & QUEUED) != 0 && !signalHead(before)) {
      distribute();
    }
  }

  /**
   * Barging modes outside handoff leave released permits free, for whoever takes them first, and
   * wake the head of the queue to compete for them, as the JDK's non-fair semaphore does: the
   * releasing thread, still running, usually takes them back at once, so oversubscribed threads
   * do not pay a park and an unpark per pair. A head already signalled and not yet parked again
   * is not woken twice. Returns false when the lock path must run instead: STRICT, handoff in
   * force, an empty queue still flagged, or an asynchronous head (a future cannot compete, so it
   * is granted under the lock).
   */
  private boolean signalHead(long before) {
    if (fairness == Fairness.STRICT || (before & HANDOFF) != 0) {
      return false;
    }
    Node first = head;
    if (first == null || first.thread == null) {
      return false;
    }
    // After the add above: if this read misses a head that left, that head's own distribution,
    // which reads the state after unlinking, sees these permits (both volatile, totally ordered).
    if (availableOf(state) < first.permits) {
      // Not enough to wake the head for (a large request behind barging newcomers): under
      // BOUNDED, an overdue head makes this release distribute, which starts the handoff.
      return fairness != Fairness.BOUNDED
          || System.nanoTime() - first.enqueuedAt < handoffAfterNanos;
    }
    if (first.signalled == 0 && SIGNALLED.compareAndSet(first, 0, 1)) {
      LockSupport.unpark(first.thread);
    }
    return true;
  }

  private void distribute() {
    Node wake;
    lock.lock();
    try {
      wake = distributeLocked(null);
    } finally {
      lock.unlock();
    }
    wake(wake);
  }

  /**
   * Hands free permits to the head of the queue, and to the next head once it is satisfied,
   * until the permits or the queue run out. Returns the chain of nodes to wake (most recent
   * first). Clears QUEUED and HANDOFF when the queue is empty.
   */
  private @Nullable Node distributeLocked(@Nullable Node wake) {
    boolean grantedSome = false;
    for (; ; ) {
      Node first = head;
      long s = state;
      if (first == null) {
        if ((s & (QUEUED | HANDOFF)) != 0) {
          STATE.getAndBitwiseAnd(this, ~(QUEUED | HANDOFF));
        }
        return wake;
      }
      long available = availableOf(s);
      int needed = first.permits - first.assigned;
      if ((s & HANDOFF) == 0
          && available < needed
          && fairness == Fairness.BOUNDED
          && !grantedSome // a distribution that served someone made progress; spare the clock
          && System.nanoTime() - first.enqueuedAt >= handoffAfterNanos) {
        // The head cannot be served whole and is overdue: from now on permits are its own.
        if (!STATE.compareAndSet(this, s, s | HANDOFF)) {
          continue;
        }
        s |= HANDOFF;
      }
      int take;
      if (available >= needed) {
        take = needed;
      } else if ((s & HANDOFF) != 0 && available > 0) {
        take = (int) available;
      } else {
        return wake;
      }
      if (!STATE.compareAndSet(this, s, s - ((long) take << AVAILABLE_SHIFT))) {
        continue;
      }
      first.assigned += take;
      assignedToWaiters += take;
      if (first.assigned < first.permits) {
        return wake;
      }
      unlink(first);
      assignedToWaiters -= first.permits;
      grantedSome = true;
      first.status = GRANTED;
      first.nextToWake = wake;
      wake = first;
      if ((s & HANDOFF) != 0
          && fairness == Fairness.BOUNDED
          && System.nanoTime() - first.enqueuedAt < handoffAfterNanos) {
        // Nobody overdue is left ahead: back to barging (as Go's sync.Mutex leaves starvation
        // mode), so one late waiter does not make the semaphore strict while the queue lasts.
        clearHandoffLocked();
      }
    }
  }

  private void clearHandoffLocked() {
    if ((state & HANDOFF) != 0) {
      STATE.getAndBitwiseAnd(this, ~HANDOFF);
    }
  }

  // ---------------------------------------------------------------- leaving the queue

  /**
   * Withdraws a waiting request on behalf of its caller (timeout, interrupt, cancelled future).
   * Returns true if this call removed it, false if it was already granted or failed.
   */
  boolean abandon(Node node) {
    Node wake;
    lock.lock();
    try {
      if (node.status != WAITING) {
        return false;
      }
      wake = abandonLocked(node, CANCELLED, null);
      wake = distributeLocked(wake);
    } finally {
      lock.unlock();
    }
    wake(wake);
    return true;
  }

  /**
   * The abandon path: unlinks a waiting node, gives the permits assigned to it back to {@code
   * available}, and sets its final status. The caller must run distributeLocked() afterwards.
   * Nodes failed on behalf of someone else (close, shrink) are added to the wake chain.
   */
  private @Nullable Node abandonLocked(Node node, int outcome, @Nullable Node wake) {
    unlink(node);
    if (node.assigned > 0) {
      STATE.getAndAdd(this, (long) node.assigned << AVAILABLE_SHIFT);
      assignedToWaiters -= node.assigned;
      node.assigned = 0;
    }
    node.status = outcome;
    if (outcome == CANCELLED) {
      return wake;
    }
    node.nextToWake = wake;
    return node;
  }

  void close() {
    Node wake = null;
    lock.lock();
    try {
      if (((long) STATE.getAndBitwiseOr(this, CLOSED) & CLOSED) != 0) {
        return; // closed before
      }
      while (head != null) {
        wake = abandonLocked(head, CLOSED_WHILE_WAITING, wake);
      }
      wake = distributeLocked(wake);
    } finally {
      lock.unlock();
    }
    wake(wake);
  }

  void setLimit(int newLimit) {
    Node wake = null;
    lock.lock();
    try {
      int oldLimit = limit;
      long delta = ((long) newLimit - oldLimit) << AVAILABLE_SHIFT;
      // Publish the change so that a request checked against the limit without the lock never
      // finds a limit whose permits are not there: grow the count before the limit, shrink the
      // limit before the count.
      if (newLimit > oldLimit) {
        STATE.getAndAdd(this, delta);
        limit = newLimit;
      } else {
        limit = newLimit;
        STATE.getAndAdd(this, delta);
      }
      if (newLimit < oldLimit) {
        for (Node node = head; node != null; ) {
          Node next = node.next;
          if (node.permits > newLimit) {
            wake = abandonLocked(node, TOO_LARGE, wake);
          }
          node = next;
        }
      }
      wake = distributeLocked(wake);
    } finally {
      lock.unlock();
    }
    wake(wake);
  }

  // ---------------------------------------------------------------- queue links (under lock)

  private void linkLast(Node node) {
    Node last = tail;
    node.prev = last;
    if (last == null) {
      head = node;
    } else {
      last.next = node;
    }
    tail = node;
    queueLength++;
    if (queueLength > peakWaiting) {
      peakWaiting = queueLength;
    }
  }

  private void unlink(Node node) {
    Node prev = node.prev;
    Node next = node.next;
    if (prev == null) {
      head = next;
    } else {
      prev.next = next;
    }
    if (next == null) {
      tail = prev;
    } else {
      next.prev = prev;
    }
    node.prev = null;
    node.next = null;
    queueLength--;
  }

  // ---------------------------------------------------------------- waking (never under lock)

  /**
   * Wakes the nodes of a chain built under the lock, oldest grant first: unparks blocked
   * threads, completes futures. Must be called after the lock is released.
   */
  private void wake(@Nullable Node chain) {
    if (chain == null) {
      return;
    }
    Node ordered = null;
    while (chain != null) {
      Node next = chain.nextToWake;
      chain.nextToWake = ordered;
      ordered = chain;
      chain = next;
    }
    Trampoline trampoline = null;
    while (ordered != null) {
      Node next = ordered.nextToWake;
      ordered.nextToWake = null;
      AcquireFuture future = ordered.future;
      if (future == null) {
        if (ordered.thread != Thread.currentThread()) {
          LockSupport.unpark(ordered.thread);
        }
      } else {
        if (trampoline == null) {
          trampoline = TRAMPOLINE.get();
        }
        trampoline.pending.add(future);
      }
      ordered = next;
    }
    if (trampoline != null) {
      trampoline.run();
    }
  }

  /**
   * Completes the future of a node that reached a final status. Called by the thread that woke
   * the node and, if the caller withdraws the request first, by the caller too (see {@link
   * #withdraw}); both deliver the same outcome, a grant as the same permit object.
   */
  void settle(AcquireFuture future) {
    Node node = future.node;
    if (node.status == GRANTED) {
      Permit permit = node.permit;
      if (permit == null) {
        Permit mine = observer.newPermitFor(this, node.permits);
        permit = (Permit) PERMIT.compareAndExchange(node, null, mine);
        if (permit == null) {
          permit = mine;
          observer.grantedAfterWait(node, permit); // once: by whoever made the permit
        }
      }
      if (future.grant(permit)) {
        queuedGrants.increment();
      } else if (future.isCompletedExceptionally() || future.getNow(null) != permit) {
        permit.close(); // the future was completed some other way first
      }
    } else if (future.fail(failureOf(node, "acquireAsync"))) {
      observer.gaveUp(node, outcomeOf(node));
    }
  }

  /** Called by an AcquireFuture that its caller completed or cancelled. */
  void withdraw(AcquireFuture future) {
    Node node = future.node;
    if (abandon(node)) {
      observer.gaveUp(node, Outcome.CANCELLED);
    } else if (node.status != CANCELLED) {
      // Granted or failed under the lock already, and others may have seen it (the queue
      // shrank; a close found nothing to fail): deliver that outcome before the caller's own
      // completion, so the decision made under the lock is the one the caller sees.
      settle(future);
    }
  }

  // ---------------------------------------------------------------- helpers

  /** A permit for a request granted at once; its grant was counted by the fast path's CAS. */
  private Permit grantedNow(int permits) {
    return observer.observeNow()
        ? observer.grantedAtOnce(this, permits)
        : new LocalPermit(this, permits);
  }

  /** A permit for a blocking request that waited in the queue. */
  private Permit grantedAfterWait(Node node) {
    queuedGrants.increment();
    Permit permit = observer.newPermitFor(this, node.permits);
    observer.grantedAfterWait(node, permit);
    return permit;
  }

  private static Outcome outcomeOf(Node node) {
    return switch (node.status) {
      case CLOSED_WHILE_WAITING -> Outcome.CLOSED;
      case TOO_LARGE -> Outcome.TOO_LARGE;
      case CANCELLED -> Outcome.CANCELLED;
      default -> Outcome.GRANTED;
    };
  }

  private RuntimeException failureOf(Node node, String operation) {
    if (node.status == TOO_LARGE) {
      return new IllegalArgumentException(
          "a request for "
              + node.permits
              + " permits can never be granted: the limit of semaphore '"
              + owner.name()
              + "' is now "
              + limit);
    }
    return closedException(operation);
  }

  private SemaphoreClosedException closedException(String operation) {
    return new SemaphoreClosedException(
        operation + " on semaphore '" + owner.name() + "', which is closed");
  }

  private static long availableOf(long state) {
    return ((state >>> AVAILABLE_SHIFT) & AVAILABLE_MASK) - AVAILABLE_BIAS;
  }

  /** A queued request. Links and {@code assigned} are guarded by the lock. */
  static final class Node {
    final int permits;
    final @Nullable Thread thread; // the blocked caller, or null for an async request
    final @Nullable AcquireFuture future; // the async caller's future, or null if blocking
    volatile int status; // WAITING, then one final value, written under the lock
    volatile @Nullable Permit permit; // a granted async node's permit, made once by its settler
    volatile int signalled; // barging modes: 1 once a release woke this head to compete
    final long enqueuedAt = System.nanoTime(); // for BOUNDED's bound and the wait statistics
    final @Nullable AcquireEvent event; // JFR io.permits.Acquire, if enabled when it was made
    int assigned; // permits set aside for this node so far
    @Nullable Node prev;
    @Nullable Node next;
    @Nullable Node nextToWake; // the wake chain, built under the lock, walked after it

    Node(int permits, @Nullable Thread thread, @Nullable AcquireFuture future) {
      this.permits = permits;
      this.thread = thread;
      this.future = future;
      AcquireEvent acquireEvent = Observer.jfrStarted() ? new AcquireEvent() : null;
      if (acquireEvent != null && acquireEvent.isEnabled()) {
        acquireEvent.begin();
        this.event = acquireEvent;
      } else {
        this.event = null;
      }
    }
  }

  /**
   * Per-thread queue of futures to complete, so that a completion whose dependent stage
   * releases a permit (which completes the next future, and so on) does not grow the stack.
   */
  private static final class Trampoline {
    final ArrayDeque<AcquireFuture> pending = new ArrayDeque<>();
    boolean running;

    void run() {
      if (running) {
        return; // an outer frame on this thread is draining the queue
      }
      running = true;
      Throwable failure = null;
      try {
        AcquireFuture future;
        while ((future = pending.poll()) != null) {
          try {
            future.sync.settle(future);
          } catch (Throwable t) { // keep settling the others; nothing may be left behind
            if (failure == null) {
              failure = t;
            } else {
              failure.addSuppressed(t);
            }
          }
        }
      } finally {
        running = false;
      }
      if (failure instanceof RuntimeException e) {
        throw e;
      }
      if (failure instanceof Error e) {
        throw e;
      }
    }
  }

  private static final ThreadLocal<Trampoline> TRAMPOLINE = ThreadLocal.withInitial(Trampoline::new);

  private static final VarHandle STATE;
  private static final VarHandle PERMIT;
  private static final VarHandle SIGNALLED;

  static {
    try {
      STATE = MethodHandles.lookup().findVarHandle(LocalSync.class, "state", long.class);
      PERMIT = MethodHandles.lookup().findVarHandle(Node.class, "permit", Permit.class);
      SIGNALLED = MethodHandles.lookup().findVarHandle(Node.class, "signalled", int.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }
}
