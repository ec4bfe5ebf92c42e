package io.permits.redis;

import java.util.concurrent.locks.LockSupport;

/**
 * A request of this JVM whose ticket waits in Redis's queue, as the wake channel's listener sees
 * it: a script that hands the ticket its permits (see {@code grant_heads} in common.lua)
 * publishes "ticket token", and the listener leaves the token here and unparks the waiting
 * thread. The message is a shortcut, not the only way: a waiter that misses it finds the grant
 * when it next asks (the acquire script returns the grant an id already holds).
 *
 * <p>Invariants: the token, once set, never changes (ids are never reused, so a message names one
 * grant); the waiting thread reads the token before and after every park, so a message that
 * comes while it is not parked is not lost.
 */
final class TicketWaiter {

  private final Thread thread;
  private volatile long token; // 0: none delivered

  TicketWaiter(Thread thread) {
    this.thread = thread;
  }

  /** Called by the wake channel's listener: the ticket is now a lease with this token. */
  void granted(long token) {
    if (this.token == 0) {
      this.token = token;
    }
    wake();
  }

  /** Wakes the waiting thread (a grant, or the semaphore closed). */
  void wake() {
    LockSupport.unpark(thread);
  }

  /** The token of the lease handed to this request, or 0 if none was delivered. */
  long token() {
    return token;
  }

  /** Parses a wake message, "ticket token"; returns the token, or 0 if malformed. */
  static long tokenOf(String message) {
    int space = message.indexOf(' ');
    try {
      return space < 0 ? 0 : Long.parseLong(message, space + 1, message.length(), 10);
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
