package io.permits.redis;

import java.util.concurrent.locks.LockSupport;

/**
 * A request of this JVM whose ticket waits in Redis's queue, as seen by the wake channel's
 * listener: a release that hands the ticket its permits (see {@code grant_heads} in common.lua)
 * publishes "ticket token", and the listener leaves the token here and unparks the waiting thread.
 *
 * <p>The message is a delivery, not the only one: a waiter that misses it (a dropped pub/sub
 * connection) finds the grant when it asks again at its next refresh, as a request marked as
 * asking again. Invariant: the token, once set, is never changed; the waiting thread reads it
 * after every park and before every park, so a message that arrives while it is not parked is not
 * lost.
 */
final class TicketWaiter {

  private final Thread thread;
  private volatile long token; // 0: no grant delivered (tokens start at 1)

  TicketWaiter(Thread thread) {
    this.thread = thread;
  }

  /** Called by the wake channel's listener: the ticket is now a lease with this token. */
  void granted(long token) {
    if (token > 0 && this.token == 0) {
      this.token = token;
    }
    LockSupport.unpark(thread);
  }

  /** Wakes the waiting thread (the semaphore closed). */
  void wake() {
    LockSupport.unpark(thread);
  }

  /** The token of the lease a release handed this request, or 0 if none was delivered. */
  long token() {
    return token;
  }

  /**
   * Parses a wake message, "ticket token"; returns the token, or 0 for a message without one (a
   * hint from a client of an older version, which only wakes the waiter).
   */
  static long tokenOf(String message) {
    int space = message.indexOf(' ');
    if (space < 0) {
      return 0;
    }
    try {
      return Long.parseLong(message, space + 1, message.length(), 10);
    } catch (NumberFormatException malformed) {
      return 0;
    }
  }

  /** The ticket a wake message names. */
  static String ticketOf(String message) {
    int space = message.indexOf(' ');
    return space < 0 ? message : message.substring(0, space);
  }
}
