package io.permits.postgres;

import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;

/**
 * Keeps the leases of one semaphore alive, and tells a holder when it can no longer be sure that
 * its lease is alive.
 */
final class Renewer {

  /*
   * Implementation notes. One sweep per semaphore, planned for the earliest moment a lease needs it
   * (a timer task per lease woke the timer thread once per acquire). A lease is due for renewal
   * when a third of what its holder may believe has passed since its grant or last renewal was
   * sent; with its renewal in flight it is due at its deadline, when it is marked lost unless the
   * renewal came back first; a failed renewal is tried again a sixth of the lease later, until the
   * deadline; a renewal that finds the lease gone marks it lost at once. Invariant: while a lease
   * is in the set, a sweep is planned no later than its due time: the sweep drops its own plan
   * before it reads the set, and add() puts the lease in the set before it compares plans, so a
   * lease added during a sweep is either seen by it or plans its own.
   */

  /** Sends the renewal of a lease: true if PostgreSQL extended it, false if it is gone. */
  interface Sender {
    CompletableFuture<Boolean> renew(PostgresLease lease);
  }

  private record Plan(long atNanos, ScheduledFuture<?> task) {}

  private final long leaseNanos;
  private final long believedNanos; // what a holder may believe of a renewed lease
  private final long retryNanos;
  private final ScheduledExecutorService timer;
  private final Sender sender;
  private final Set<PostgresLease> leases = ConcurrentHashMap.newKeySet();
  private final Set<PostgresLease> renewing = ConcurrentHashMap.newKeySet(); // one renewal in flight
  private final AtomicReference<@Nullable Plan> plan = new AtomicReference<>();

  Renewer(long leaseMillis, ScheduledExecutorService timer, Sender sender) {
    this.leaseNanos = TimeUnit.MILLISECONDS.toNanos(leaseMillis);
    this.believedNanos = PostgresLease.believedNanos(leaseMillis);
    this.retryNanos = Math.max(TimeUnit.MILLISECONDS.toNanos(1), leaseNanos / 6);
    this.timer = timer;
    this.sender = sender;
  }

  void add(PostgresLease lease) {
    leases.add(lease);
    planBy(renewalDue(lease));
  }

  /** The lease was closed: it is no longer renewed. */
  void remove(PostgresLease lease) {
    leases.remove(lease);
  }

  /** When a third of the lease will have passed since its grant or last renewal was sent. */
  private long renewalDue(PostgresLease lease) {
    return lease.deadlineNanos() - believedNanos * 2 / 3;
  }

  /** A renewal that failed is tried again a sixth of the lease later, or at the deadline. */
  private long retryDue(PostgresLease lease, long now) {
    return earlier(lease.deadlineNanos(), now + retryNanos);
  }

  private static long earlier(long a, long b) {
    return a - b <= 0 ? a : b; // nanoTime values compare by difference
  }

  /** Makes sure a sweep runs no later than {@code atNanos}. */
  private void planBy(long atNanos) {
    while (true) {
      Plan planned = plan.get();
      if (planned != null && planned.atNanos() - atNanos <= 0) {
        return;
      }
      long delay = Math.max(0, atNanos - System.nanoTime());
      ScheduledFuture<?> task = timer.schedule(this::sweep, delay, TimeUnit.NANOSECONDS);
      if (plan.compareAndSet(planned, new Plan(atNanos, task))) {
        if (planned != null) {
          planned.task().cancel(false);
        }
        return;
      }
      task.cancel(false); // another plan won: look again
    }
  }

  private void sweep() {
    Plan planned = plan.get();
    if (planned != null && planned.atNanos() - System.nanoTime() > 0) {
      return; // replaced by a later plan that has not come yet (a cancel that came too late)
    }
    plan.compareAndSet(planned, null);
    long now = System.nanoTime();
    long next = Long.MAX_VALUE;
    boolean any = false;
    for (PostgresLease lease : leases) {
      if (now - lease.deadlineNanos() >= 0) {
        lost(lease);
        continue;
      }
      long due = renewalDue(lease);
      if (now - due >= 0 && renewing.add(lease)) {
        due = renew(lease, now) ? lease.deadlineNanos() : retryDue(lease, now);
      } else if (now - due >= 0) {
        due = lease.deadlineNanos(); // its renewal is in flight
      }
      next = any ? earlier(next, due) : due;
      any = true;
    }
    if (any) { // else nothing is planned until a lease is added
      planBy(next);
    }
  }

  /** Sends a renewal; false if it could not be sent (tried again later). */
  private boolean renew(PostgresLease lease, long sent) {
    CompletableFuture<Boolean> reply;
    try {
      reply = sender.renew(lease);
    } catch (RuntimeException unreachable) {
      renewing.remove(lease);
      return false;
    }
    reply.whenComplete(
        (@Nullable Boolean extended, @Nullable Throwable failure) -> {
          renewing.remove(lease);
          if (failure == null && Boolean.TRUE.equals(extended)) {
            lease.renewed(sent + believedNanos);
            if (leases.contains(lease)) {
              planBy(renewalDue(lease));
            }
          } else if (failure == null) {
            lost(lease); // PostgreSQL no longer has it: its permits may be someone else's
          } else if (leases.contains(lease)) {
            planBy(retryDue(lease, System.nanoTime()));
          }
        });
    return true;
  }

  private void lost(PostgresLease lease) {
    if (leases.remove(lease)) {
      lease.markLost();
    }
  }
}
