package io.permits.backend;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * How one request of a leasing backend (Redis, PostgreSQL) waits while its ticket is queued in
 * the store: parked until a wake-up message hands its ticket a lease, the ticket needs
 * refreshing, the first lease held may have expired, or the request's deadline passes. Made on
 * the thread that waits. For backend implementations, not for applications.
 */
public final class TicketWait {

  /*
   * Implementation notes. A wake-up ("ticket token": a release handed the ticket its permits)
   * arrives on another thread at any moment. It sets handedToken, then unparks the waiter; the
   * waiter reads handedToken before and after every park, and an unpark that comes before the
   * park makes the park return at once, so a wake-up is never lost. Ids are never reused, so a
   * message names one grant. A message is only a shortcut: asking the store again returns the
   * grant the id already holds, so a lost message costs one refresh period, not correctness.
   */

  private final Thread thread = Thread.currentThread();
  private final boolean timed;
  private final long deadlineNanos;
  private final long refreshNanos;
  private volatile long handedToken; // 0 until a wake-up brings one

  /**
   * The wait of a request about to ask the store, on the calling thread.
   *
   * @param timed whether {@code deadlineNanos} applies
   * @param deadlineNanos the {@link System#nanoTime()} by which the request gives up, if timed
   * @param refreshNanos how often the waiter asks again (refreshing its ticket)
   */
  public TicketWait(boolean timed, long deadlineNanos, long refreshNanos) {
    this.timed = timed;
    this.deadlineNanos = deadlineNanos;
    this.refreshNanos = refreshNanos;
  }

  /**
   * Parks until woken, the refresh is due, the first lease may have expired, or the deadline.
   *
   * @param blocker what the thread waits for, as thread dumps show it
   * @param nextExpiryMillis when the first lease held may expire, -1 if none is held
   * @param closed whether the semaphore closed (then it does not park)
   * @return false if the request timed out
   * @throws InterruptedException if interrupted before or while parked
   */
  public boolean park(Object blocker, long nextExpiryMillis, BooleanSupplier closed)
      throws InterruptedException {
    if (Thread.interrupted()) {
      throw new InterruptedException();
    }
    long park = refreshNanos;
    if (nextExpiryMillis >= 0) {
      park = Math.min(park, TimeUnit.MILLISECONDS.toNanos(nextExpiryMillis + 1));
    }
    if (timed) {
      long left = deadlineNanos - System.nanoTime();
      if (left <= 0) {
        return false;
      }
      park = Math.min(park, left);
    }
    if (handedToken == 0 && !closed.getAsBoolean()) {
      LockSupport.parkNanos(blocker, park);
    }
    if (Thread.interrupted()) {
      throw new InterruptedException();
    }
    return !timed || handedToken > 0 || deadlineNanos - System.nanoTime() > 0;
  }

  /**
   * The token a wake-up handed the ticket.
   *
   * @return the token, or 0 if none came
   */
  public long handedToken() {
    return handedToken;
  }

  /**
   * A wake-up came for this ticket: it is now a lease with this token.
   *
   * @param token the lease's token
   */
  public void handed(long token) {
    handedToken = token;
    wake();
  }

  /** Wakes the waiting thread (a grant, or the semaphore closed). */
  public void wake() {
    LockSupport.unpark(thread);
  }

  /**
   * The token in a wake-up message, "ticket token".
   *
   * @param message the message
   * @return the token, 0 if the message is malformed
   */
  public static long tokenOf(String message) {
    int space = message.indexOf(' ');
    try {
      return space < 0 ? 0 : Long.parseLong(message, space + 1, message.length(), 10);
    } catch (NumberFormatException malformed) {
      return 0;
    }
  }

  /**
   * The ticket a wake-up message names.
   *
   * @param message the message, "ticket token"
   * @return the ticket's id
   */
  public static String ticketOf(String message) {
    int space = message.indexOf(' ');
    return space < 0 ? message : message.substring(0, space);
  }
}
