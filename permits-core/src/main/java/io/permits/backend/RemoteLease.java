package io.permits.backend;

import io.permits.Lease;
import io.permits.Permit;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * A lease of a leasing backend (Redis, PostgreSQL): permits held in the store until {@link
 * #close()} or until the lease runs out, renewed by the semaphore's {@link Renewer}. For backend
 * implementations, not for applications, which see it as a {@link Lease}.
 *
 * <p>The holder's own deadline is measured from when the acquire (or the last successful
 * renewal) was sent, by this JVM's monotonic clock, less a drift margin ({@link
 * Renewer#believedNanos(long)}), so it never ends after the store's expiry. When it passes
 * without a renewal, or a renewal finds the lease gone, {@link #lost()} completes and {@link
 * #isHeld()} turns false: the holder must stop using the resource, and should have passed {@link
 * #token()} to the resource so that the resource itself refuses a stale holder.
 */
public final class RemoteLease implements Lease, Renewer.Renewable {

  private final String semaphoreName;
  private final String id;
  private final long token;
  private final Permit gatePermit;
  private final Consumer<RemoteLease> release;
  private final CompletableFuture<Void> lost = new CompletableFuture<>();
  private final AtomicBoolean closed = new AtomicBoolean();
  private volatile long deadlineNanos;

  /**
   * A lease just granted.
   *
   * @param semaphoreName the semaphore's name, for {@link #toString()}
   * @param id the request's id in the store, fresh for every request
   * @param token the fencing token the store granted
   * @param gatePermit the in-process permits this lease holds; closed with it
   * @param deadlineNanos until when the holder may believe in the lease, a {@link
   *     System#nanoTime()} value
   * @param release sends the release to the store, once, on the closing thread; must not throw
   */
  public RemoteLease(
      String semaphoreName,
      String id,
      long token,
      Permit gatePermit,
      long deadlineNanos,
      Consumer<RemoteLease> release) {
    this.semaphoreName = semaphoreName;
    this.id = id;
    this.token = token;
    this.gatePermit = gatePermit;
    this.deadlineNanos = deadlineNanos;
    this.release = release;
  }

  /**
   * The request's id in the store.
   *
   * @return the id
   */
  public String id() {
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

  /** The lease can no longer be trusted: it expired by this JVM's clock, or the store lost it. */
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
   * Releases the lease in the store (how, the backend says: see its semaphore's documentation)
   * and gives back the in-process permits. Runs once; never throws: a release that cannot reach
   * the store leaves the lease to expire there within its length.
   */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    try {
      release.accept(this);
    } finally {
      gatePermit.close();
    }
  }

  @Override
  public String toString() {
    return "Lease[" + permits() + " of " + semaphoreName + ", token " + token
        + (isHeld() ? ", " + remaining() + " left" : ", not held") + "]";
  }
}
