package io.permits.redis;

import java.util.List;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/**
 * Grants already on their way to this JVM's next request: when a lease closes while a request of
 * the same semaphore waits at the in-process gate, one acquire script releases the closed lease
 * and asks for the same permits under the same id, and the request that takes the gate's permits
 * next claims its reply instead of sending an acquire of its own. While nobody is queued in Redis
 * the script hands the lease over in place (a new token, expiry and record; its permits stay
 * counted), which costs the server about 40 % less than a release and a grant.
 *
 * <p>Implementation notes. Without this, a permit passed between two threads of one JVM costs two
 * scripts in sequence: the closing thread's release, then — after the waiting thread has woken —
 * its acquire, one round trip. With it, the closing thread sends a single script (release, then
 * grant under the queue's rules, so requests of other clients queued in Redis keep their turn;
 * each grant still draws a new fencing token) before it gives back its gate permits, and the
 * waiting thread's wake-up overlaps that round trip. Invariants: there are never more pending
 * grants than requests waiting at the gate when each was made ({@link #reserve}); each is claimed
 * exactly once (compare-and-set), by a request whose gate permits are of the same size or by the
 * give-back, which the watchdog runs if nobody claims it within {@link #PATIENCE_MILLIS} of its
 * reply (the waiter timed out, say), which a request of another size runs before its own acquire, and which
 * the semaphore runs before it reads counts from Redis when nobody waits at the gate. The
 * give-back sends the release (which also withdraws a ticket, had the grant queued) at once,
 * pipelined after the grant's script (once that has been written: {@link GrantBatches} may hold it
 * for the next batch), so whatever is sent later sees the permits free. A pending
 * grant carries the closed lease's use of the connections until its give-back completes or a
 * request has its reply, so they stay open for it.
 */
final class Handoffs {

  /**
   * How long a pending grant, its reply in, waits for a request of its size before it is given
   * back.
   */
  static final long PATIENCE_MILLIS = 10;

  /** A grant sent for the next request of {@code permits} permits. */
  static final class Pending {
    private final String id;
    private final int permits;
    private final long sentNanos;
    private final CompletableFuture<List<Object>> reply;
    private final CompletableFuture<Void> sent = new CompletableFuture<>();
    private final AtomicBoolean claimed = new AtomicBoolean();
    private final TicketWaiter waiter;
    private volatile long readyNanos; // when its reply came in; 0 before

    /**
     * @param id the closed lease's id, which the grant reuses
     * @param closedToken the closed lease's token: a wake message for the id with a token no
     *     higher is about an earlier grant of the id, not this one
     */
    Pending(
        String id,
        int permits,
        long closedToken,
        long sentNanos,
        CompletableFuture<List<Object>> reply) {
      this.id = id;
      this.permits = permits;
      this.sentNanos = sentNanos;
      this.reply = reply;
      this.waiter = new TicketWaiter(closedToken);
    }

    String id() {
      return id;
    }

    int permits() {
      return permits;
    }

    /** Completes once the script that carries it has been written to the connection. */
    CompletableFuture<Void> sent() {
      return sent;
    }

    /**
     * When the grant was made ready to send (no later than the script): a lease it grants runs,
     * by this JVM's clock, from then.
     */
    long sentNanos() {
      return sentNanos;
    }

    /**
     * Listens, from before its script is sent, for the message of a release that hands its ticket
     * permits, should it queue: the request that claims it binds its thread to it.
     */
    TicketWaiter waiter() {
      return waiter;
    }

    /** Its four values of the acquire script's reply (see acquire.lua). */
    CompletableFuture<List<Object>> reply() {
      return reply;
    }
  }

  /** What the give-back needs from the semaphore. */
  interface Owner {
    /**
     * Sends, without waiting, the release of a grant nobody will use (withdrawing its ticket if
     * it queued), then ends the use of the connections that the closed lease passed to it.
     */
    void giveBack(String id);
  }

  private final Queue<Pending> pending = new ConcurrentLinkedQueue<>();
  private final AtomicInteger unclaimed = new AtomicInteger();
  private final AtomicBoolean armed = new AtomicBoolean();
  private final AtomicInteger givingBack = new AtomicInteger(); // claimed, release not yet sent
  private final Owner owner;
  private final ScheduledExecutorService timer;

  Handoffs(Owner owner, ScheduledExecutorService timer) {
    this.owner = owner;
    this.timer = timer;
  }

  /**
   * Takes a place for one more pending grant if fewer are pending than {@code waiting}, the
   * requests waiting at the gate; pair with {@link #add} or {@link #unreserve}.
   */
  boolean reserve(int waiting) {
    while (true) {
      int now = unclaimed.get();
      if (now >= waiting) {
        return false;
      }
      if (unclaimed.compareAndSet(now, now + 1)) {
        return true;
      }
    }
  }

  /** The grant could not be sent after all. */
  void unreserve() {
    unclaimed.decrementAndGet();
  }

  /** Records a grant just sent, in a place {@link #reserve} took. */
  void add(Pending grant) {
    pending.add(grant);
  }

  /**
   * The grant's reply is in and its gate permits are about to be given back: if no request
   * claims it within {@link #PATIENCE_MILLIS}, it is given back.
   */
  void startPatience(Pending grant) {
    grant.readyNanos = Math.max(1, System.nanoTime());
    arm();
  }

  /**
   * One timer for all pending grants, armed while there are any (a timer task per grant woke the
   * timer thread once per hand-off: a context switch per pair).
   */
  private void arm() {
    if (armed.compareAndSet(false, true)) {
      timer.schedule(this::expire, PATIENCE_MILLIS, TimeUnit.MILLISECONDS);
    }
  }

  private void expire() {
    armed.set(false);
    long now = System.nanoTime();
    for (Pending grant : pending) {
      long ready = grant.readyNanos;
      if (ready != 0 && now - ready >= TimeUnit.MILLISECONDS.toNanos(PATIENCE_MILLIS)) {
        giveBack(grant);
      }
    }
    if (!pending.isEmpty()) {
      arm();
    }
  }

  /**
   * Claims a pending grant of exactly {@code permits} permits sent after {@code began}, when the
   * request asked, or returns null. The caller ends the grant's use once it has its reply.
   *
   * <p>Only a grant made after the request began may serve it: tokens then keep their promise
   * that a lease's token is higher than that of every grant made before its request (a thread
   * that closed a lease and asked again must not receive an older grant with a lower token).
   */
  @Nullable Pending claim(int permits, long began) {
    if (pending.isEmpty()) {
      return null;
    }
    for (Pending grant : pending) {
      if (grant.permits == permits
          && grant.sentNanos - began > 0
          && grant.claimed.compareAndSet(false, true)) {
        pending.remove(grant);
        unclaimed.decrementAndGet();
        return grant;
      }
    }
    return null;
  }

  /**
   * Gives back the grants whose reply is in (their gate permits passed on) that nobody claimed:
   * a request that found none to claim runs this before its own script, which may need their
   * permits (the request they woke may have left, or want another size). A request about to
   * claim one of them loses only the shortcut: it sends its own acquire.
   */
  void giveBackReady() {
    if (pending.isEmpty()) {
      return;
    }
    for (Pending grant : pending) {
      if (grant.readyNanos != 0) {
        giveBack(grant);
      }
    }
  }

  /** Gives back every grant nobody has claimed. */
  void giveBackAll() {
    if (pending.isEmpty()) {
      return;
    }
    for (Pending grant : pending) {
      giveBack(grant);
    }
  }

  private void giveBack(Pending grant) {
    givingBack.incrementAndGet(); // before the claim: see awaitGiveBacks
    try {
      if (grant.claimed.compareAndSet(false, true)) {
        pending.remove(grant);
        unclaimed.decrementAndGet();
        giveBackClaimed(grant);
      }
    } finally {
      givingBack.decrementAndGet();
    }
  }

  /**
   * Waits until no give-back that claimed its grant is still to send its release (the timer's,
   * racing {@link #giveBackAll}: a count sent next then follows it). A give-back whose grant's
   * script is not yet written sends later, after that script; {@link GrantBatches#awaitSettled}
   * covers those.
   */
  void awaitGiveBacks() {
    while (givingBack.get() > 0) {
      Thread.yield(); // a few microseconds: the other thread is sending a script
    }
  }

  /** Gives back a grant claimed by a request that could not wait for its reply. */
  void giveBackClaimed(Pending grant) {
    grant.sent.thenRun(() -> owner.giveBack(grant.id)); // after its grant on the connection
  }
}
