package io.permits.postgres;

import io.permits.Permit;
import io.permits.backend.RemoteLease;
import io.permits.backend.Renewer;
import io.permits.backend.TicketWait;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * The part of one request that happens in PostgreSQL, once the request holds its permits of the
 * in-process gate: asks, waits in the queue if it may, and ends as a lease or settled.
 */
final class RemoteRequest {

  /*
   * Implementation notes. A request has a fresh id (never reused) and moves through State: NEW
   * until its first acquire is sent; ASKING while a statement's outcome is unknown; QUEUED once a
   * reply says its ticket waits; GRANTED once a reply or a notification gives it a lease, which
   * goes to the caller; REFUSED when PostgreSQL holds nothing for it (a request that may not wait
   * and did not fit, or one too large). Every other way out (timeout, interrupt, close, a failure
   * or an unknown outcome) leaves from ASKING or QUEUED, and the one exit path cancels the id and
   * waits for that before the caller is answered: whatever its statements did (queued it, granted
   * it, or are still on their way), nothing stays held for a caller told "no". A cancel that cannot
   * be settled within its patience goes on in the background; if the outcome was unknown the
   * caller gets an exception that says so, not a plain "no". A grant whose lease lapsed before its
   * client heard of it (SPENT) passes the gate permits to a fresh request, under a fresh id.
   *
   * While queued, the thread parks until a notification brings its token, its ticket needs
   * refreshing (the ticket lapses TICKET_MILLIS after the last acquire that queued or refreshed it,
   * so a dead client's tickets go within a second), or the first lease held may have expired.
   * Asking again is the same statement: it returns the grant the id already holds, so a lost
   * notification costs time, not correctness.
   *
   * A lease's life by this JVM's monotonic clock starts before the statement that granted it was
   * sent: for a grant in a reply, that statement; for a lease handed over by another client's
   * release, the last acquire that found the ticket queued (the hand-over came after it ran, and
   * lasts from there until the ticket's deadline or one lease, whichever is sooner, until renewed).
   * It ends a drift margin before the server's expiry (Renewer.believedNanos).
   */

  /** A ticket's life in PostgreSQL after the acquire that queued or refreshed it. */
  static final long TICKET_MILLIS = 1_000;

  private static final long REFRESH_MILLIS = 300;

  /** Where a request stands in PostgreSQL. */
  enum State {
    NEW,
    ASKING,
    QUEUED,
    REFUSED,
    GRANTED,
    /** Its grant lapsed unclaimed: nothing is left under its id; a fresh request goes on. */
    SPENT
  }

  private final PostgresSemaphore semaphore;
  private final Permit gatePermit;
  private final boolean wait;
  private final long deadlineNanos; // with timed
  private final boolean timed;
  private final String id;
  private final TicketWait ticket;
  private State state = State.NEW;
  private long sentNanos; // when the last acquire whose reply came was sent

  RemoteRequest(
      PostgresSemaphore semaphore, Permit gatePermit, boolean wait, boolean timed, long deadline) {
    this.semaphore = semaphore;
    this.gatePermit = gatePermit;
    this.wait = wait;
    this.timed = timed;
    this.deadlineNanos = deadline;
    this.ticket =
        new TicketWait(timed, deadline,
            TimeUnit.MILLISECONDS.toNanos(Math.min(REFRESH_MILLIS, semaphore.leaseMillis() / 3)));
    this.id = semaphore.newRequestId();
  }

  /**
   * Runs the request: a lease, or null if it may not wait, did not fit, or timed out.
   *
   * @throws InterruptedException if interrupted while queued
   * @throws IllegalArgumentException if it asks for more than the limit
   * @throws PostgresSemaphoreException if PostgreSQL failed or could not be reached
   * @throws io.permits.SemaphoreClosedException if the semaphore closed while it waited
   */
  @Nullable RemoteLease run() throws InterruptedException {
    try {
      return loop();
    } catch (PostgresSemaphoreException failed) {
      settle(failed);
      throw failed;
    } catch (InterruptedException | RuntimeException | Error other) {
      settle(null);
      throw other;
    } finally {
      semaphore.stopListening(id, this);
    }
  }

  private @Nullable RemoteLease loop() throws InterruptedException {
    while (true) {
      semaphore.checkOpen(); // a lease handed to a request the close failed is ended by cancel
      if (ticket.handedToken() > 0) { // a release handed the queued ticket its permits
        return granted(ticket.handedToken(), sentNanos, handedMillis());
      }
      AcquireReply reply = ask();
      semaphore.reportLimit(reply.limit(), reply.version());
      switch (reply.outcome()) {
        case GRANTED -> {
          return granted(reply.token(), sentNanos, reply.millis());
        }
        case TOO_LARGE -> {
          state = State.REFUSED;
          gatePermit.close();
          throw semaphore.tooLarge(gatePermit.permits(), reply.limit());
        }
        case SPENT -> {
          state = State.SPENT;
          return new RemoteRequest(semaphore, gatePermit, wait, timed, deadlineNanos).run();
        }
        case NOT_GRANTED -> {
          if (!wait) {
            state = State.REFUSED;
            gatePermit.close();
            return null;
          }
          state = State.QUEUED;
          if (!ticket.park(semaphore, reply.millis(), semaphore::isClosed)) {
            settle(null);
            return null;
          }
        }
      }
    }
  }

  /**
   * Ends the request if it did not end as a lease: cancels its id if PostgreSQL may hold
   * anything for it, then gives the gate permits back. Runs once.
   *
   * @param failure the failure that ends it, if any; a cancel that cannot be settled after an
   *     unknown outcome is added to it
   */
  private void settle(@Nullable PostgresSemaphoreException failure) {
    State was = state;
    if (was == State.GRANTED || was == State.SPENT || was == State.REFUSED) {
      return;
    }
    state = State.REFUSED;
    try {
      if ((was == State.ASKING || was == State.QUEUED) && !semaphore.endings().cancel(id)) {
        PostgresSemaphoreException unsettled =
            new PostgresSemaphoreException(
                "semaphore '" + semaphore.name() + "': request " + id + " could not be"
                    + " cancelled within " + Endings.CANCEL_PATIENCE_MILLIS + " ms; the cancel"
                    + " goes on in the background, and a lease the request may hold expires"
                    + " within " + semaphore.leaseMillis() + " ms");
        if (failure != null) {
          failure.addSuppressed(unsettled);
        } else if (was == State.ASKING) {
          throw unsettled; // its outcome is unknown: "no" would not be the whole truth
        }
      }
    } finally {
      gatePermit.close();
    }
  }

  /** {@link #run()} for a request that may not wait: it never parks, so is never interrupted. */
  @Nullable RemoteLease runWithoutWaiting() {
    try {
      return run();
    } catch (InterruptedException cannotHappen) {
      Thread.currentThread().interrupt();
      return null;
    }
  }

  /** Sends the acquire and waits for its reply; {@link #sentNanos} is its send. */
  private AcquireReply ask() {
    if (wait && state == State.NEW) {
      semaphore.listen(id, this); // before the acquire: a hand-over's notification may beat it
    }
    long sent = System.nanoTime();
    state = State.ASKING;
    AcquireReply reply = semaphore.askPostgres(id, gatePermit.permits(), wait);
    sentNanos = sent; // the reply came: whatever it says, the statement ran after this
    return reply;
  }

  /**
   * How long a lease handed to the queued ticket lasts in PostgreSQL after the last acquire that
   * found the ticket queued was sent, at least: the hand-over came after that acquire ran, and the
   * lease lasts until the ticket's deadline or one lease, whichever is sooner (grant_heads). The
   * watchdog renews it at once to its full length.
   */
  private long handedMillis() {
    return Math.min(semaphore.leaseMillis(), TICKET_MILLIS);
  }

  private RemoteLease granted(long token, long sentNanos, long millis) {
    RemoteLease lease =
        semaphore.newLease(id, gatePermit, token, sentNanos + Renewer.believedNanos(millis));
    state = State.GRANTED;
    return lease;
  }

  /**
   * A notification came for this request's ticket: it is now a lease with this token. Ids are
   * never reused, so a notification names one grant; the thread reads the token before and after
   * every park, so one that comes while it is not parked is not lost.
   */
  void handed(long token) {
    ticket.handed(token);
  }

  /** Wakes the waiting thread (a grant, or the semaphore closed). */
  void wake() {
    ticket.wake();
  }
}
