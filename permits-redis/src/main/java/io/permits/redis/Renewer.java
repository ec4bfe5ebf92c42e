package io.permits.redis;

import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * Keeps the leases of one semaphore alive, and tells a holder when it can no longer be sure that
 * its lease is alive.
 *
 * <p>Implementation notes. One periodic sweep per semaphore, every sixth of the lease, rather than
 * a timer task per lease: a task scheduled at each grant and cancelled at each release woke the
 * timer thread once per acquire (a context switch per pair on a busy machine). A sweep renews each
 * lease whose grant or last successful renewal was sent at least a third of the lease ago and has
 * no renewal in flight, so a lease is renewed when a third to a half of it has passed, leaving
 * half a lease for the reply. It marks lost a lease whose own deadline (send time of the grant or
 * last renewal, plus the lease, by this JVM's monotonic clock) has passed, or whose renewal found
 * it gone from Redis; a renewal that failed (Redis unreachable) is tried again at the next sweep
 * until the deadline. The sweep stops once the semaphore is closed and its last lease is gone.
 */
final class Renewer {

  /** Sends the renew script for a lease id: true if Redis extended it, false if it is gone. */
  interface Sender {
    CompletableFuture<Boolean> renew(String id);
  }

  private final long leaseNanos;
  private final Sender sender;
  private final Set<RedisLease> leases = ConcurrentHashMap.newKeySet();
  private final ScheduledFuture<?> sweep;
  private volatile boolean stopping;

  Renewer(long leaseMillis, ScheduledExecutorService timer, Sender sender) {
    this.leaseNanos = TimeUnit.MILLISECONDS.toNanos(leaseMillis);
    this.sender = sender;
    long period = Math.max(1, leaseMillis / 6);
    this.sweep = timer.scheduleWithFixedDelay(this::sweep, period, period, TimeUnit.MILLISECONDS);
  }

  void add(RedisLease lease) {
    leases.add(lease);
  }

  /** The lease was closed: it is no longer renewed. */
  void remove(RedisLease lease) {
    leases.remove(lease);
  }

  /** The semaphore closed: the sweep goes on for the leases still held, then stops. */
  void stopWhenEmpty() {
    stopping = true;
    if (leases.isEmpty()) {
      sweep.cancel(false);
    }
  }

  private void sweep() {
    long now = System.nanoTime();
    for (RedisLease lease : leases) {
      if (now - lease.deadlineNanos() >= 0) {
        lost(lease);
      } else if (lease.deadlineNanos() - now <= leaseNanos * 2 / 3 && lease.startRenewal()) {
        renew(lease, now);
      }
    }
    if (stopping && leases.isEmpty()) {
      sweep.cancel(false);
    }
  }

  private void renew(RedisLease lease, long sent) {
    CompletableFuture<Boolean> reply;
    try {
      reply = sender.renew(lease.id());
    } catch (RuntimeException unreachable) {
      lease.endRenewal(); // tried again at the next sweep, until the deadline
      return;
    }
    reply.whenComplete(
        (@Nullable Boolean extended, @Nullable Throwable failure) -> {
          lease.endRenewal();
          if (failure == null && Boolean.TRUE.equals(extended)) {
            lease.renewed(sent + leaseNanos);
          } else if (failure == null) {
            lost(lease); // Redis no longer has it: its permits may be someone else's
          }
        });
  }

  private void lost(RedisLease lease) {
    if (leases.remove(lease)) {
      lease.markLost();
    }
  }
}
