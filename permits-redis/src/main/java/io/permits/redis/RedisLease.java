package io.permits.redis;

import io.permits.Lease;
import io.permits.Permit;
import io.permits.backend.Renewer;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A lease of a {@link RedisSemaphore}: permits held in Redis until {@link #close()} or until the
 * lease runs out, renewed by the semaphore's {@link Renewer}.
 *
 * <p>The holder's own deadline is measured from when the acquire (or the last successful
 * renewal) was sent, by this JVM's monotonic clock, so it never ends after the server's expiry.
 * When it passes without a renewal, or a renewal finds the lease gone, {@link #lost()} completes
 * and {@link #isHeld()} turns false: the holder must stop using the resource, and should have
 * passed {@link #token()} to the resource so that the resource itself refuses a stale holder.
 */
final class RedisLease implements Lease, Renewer.Renewable {

  private final RedisSemaphore semaphore;
  private final String id;
  private final long token;
  private final Permit gatePermit;
  private final CompletableFuture<Void> lost = new CompletableFuture<>();
  private final AtomicBoolean closed = new AtomicBoolean();
  private volatile long deadlineNanos;

  RedisLease(
      RedisSemaphore semaphore, String id, long token, Permit gatePermit, long deadlineNanos) {
    this.semaphore = semaphore;
    this.id = id;
    this.token = token;
    this.gatePermit = gatePermit;
    this.deadlineNanos = deadlineNanos;
  }

  String id() {
    return id;
  }

  @Override
  public long deadlineNanos() {
    return deadlineNanos;
  }

  /** A renewal succeeded: the lease runs until {@code newDeadlineNanos}, if that is later. */
  @Override
  public void renewed(long newDeadlineNanos) {
    if (newDeadlineNanos - deadlineNanos > 0) { // nanoTime values compare by difference
      deadlineNanos = newDeadlineNanos;
    }
  }

  /** The lease can no longer be trusted: it expired by this JVM's clock, or Redis dropped it. */
  @Override
  public void markLost() {
    lost.complete(null);
  }

  @Override
  public int permits() {
    return gatePermit.permits();
  }

  @Override
  public long token() {
    return token;
  }

  @Override
  public Duration remaining() {
    long left = Math.max(0, deadlineNanos - System.nanoTime());
    return isHeld() ? Duration.ofNanos(left) : Duration.ZERO;
  }

  @Override
  public CompletableFuture<Void> lost() {
    return lost;
  }

  @Override
  public boolean isHeld() {
    if (closed.get() || lost.isDone()) {
      return false;
    }
    if (System.nanoTime() - deadlineNanos >= 0) {
      markLost();
      return false;
    }
    return true;
  }

  /**
   * Releases the lease: sends the release to Redis without waiting for the reply (later scripts
   * of this semaphore run after it) and gives back the in-process permits. Never throws; if Redis
   * cannot be reached, the lease expires there within its length.
   */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    try {
      semaphore.released(this);
    } finally {
      gatePermit.close();
    }
  }

  @Override
  public String toString() {
    return "RedisLease[" + permits() + " of " + semaphore.name() + ", token " + token
        + (isHeld() ? ", " + remaining() + " left" : ", not held") + "]";
  }
}
