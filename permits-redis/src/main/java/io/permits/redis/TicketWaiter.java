package io.permits.redis;

import java.util.concurrent.locks.LockSupport;
import org.jspecify.annotations.Nullable;

/**
 * A request of this JVM whose ticket waits in Redis's queue, as seen by the wake channel's
 * listener: a release that hands the ticket its permits (see {@code grant_heads} in common.lua)
 * publishes "ticket token", and the listener leaves the token here and unparks the waiting thread.
 *
 * <p>The message is a delivery, not the only one: a waiter that misses it (a dropped pub/sub
 * connection) finds the grant when it asks again at its next refresh, as a request marked as
 * asking again. A hand-over's grant (see {@link Handoffs}) is listened for from when its script is
 * sent, before any thread claims it: the claiming thread binds itself later. Invariants: the
 * token, once set, is never changed; {@link #granted} writes the token before it reads the
 * thread, and {@link #bind} writes the thread before the caller reads the token, so a grant that
 * comes while the thread binds is seen by one of the two; the waiting thread reads the token
 * before every park and after every park, so a message that comes while it is not parked is not
 * lost.
 */
final class TicketWaiter {

  private volatile @Nullable Thread thread;
  private volatile long token; // 0: no grant delivered (tokens start at 1)
  private final long staleUpTo;

  /**
   * A waiter whose thread binds later ({@link #bind}), for an id that a lease with token {@code
   * staleUpTo} held before (a hand-over reuses the closed lease's id): a message with a token no
   * higher is about an earlier grant of that id, delivered late, and is ignored.
   */
  TicketWaiter(long staleUpTo) {
    this.staleUpTo = staleUpTo;
  }

  /** A waiter for a request of {@code thread}; {@code staleUpTo} as for the other constructor. */
  TicketWaiter(Thread thread, long staleUpTo) {
    this.thread = thread;
    this.staleUpTo = staleUpTo;
  }

  /** The thread that will wait for the grant; it reads {@link #token} next. */
  void bind(Thread waiting) {
    thread = waiting;
  }

  /** Called by the wake channel's listener: the ticket is now a lease with this token. */
  void granted(long token) {
    if (token == 0) {
      wake(); // a hint
    } else if (token > staleUpTo && this.token == 0) {
      this.token = token;
      wake();
    }
  }

  /** Wakes the waiting thread (the semaphore closed). */
  void wake() {
    Thread waiting = thread;
    if (waiting != null) {
      LockSupport.unpark(waiting);
    }
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
