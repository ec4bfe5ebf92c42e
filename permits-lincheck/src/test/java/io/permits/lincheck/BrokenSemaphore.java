package io.permits.lincheck;

import io.permits.Permit;
import io.permits.Semaphore;
import io.permits.SemaphoreClosedException;
import io.permits.SemaphoreStats;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * A counting semaphore with one deliberate race, for {@link BrokenSemaphoreTest}: proof that
 * the Lincheck tests can fail. Apart from its {@link Bug} it is a plain correct counter (every
 * change under this object's monitor), with no queue: only the operations of {@link
 * CounterHarness} are supported.
 */
final class BrokenSemaphore implements Semaphore {

  enum Bug {
    /** tryAcquire checks the free count, then subtracts, in two steps: two callers can pass. */
    CHECK_THEN_ACT,
    /** A permit checks that it is held, then clears the flag, in two steps: two closers pass. */
    DOUBLE_RELEASE
  }

  private final Bug bug;
  private volatile int limit;
  private volatile int available;
  private volatile boolean closed;

  BrokenSemaphore(Bug bug, int limit) {
    this.bug = bug;
    this.limit = limit;
    this.available = limit;
  }

  @Override
  public Optional<Permit> tryAcquire(int permits) {
    if (permits < 1 || permits > limit) {
      throw new IllegalArgumentException("permits out of range: " + permits);
    }
    if (closed) {
      throw new SemaphoreClosedException("closed");
    }
    if (bug == Bug.CHECK_THEN_ACT) {
      if (available < permits) {
        return Optional.empty();
      }
      available = available - permits; // the bug: not atomic with the check above
      return Optional.of(new BrokenPermit(permits));
    }
    synchronized (this) {
      if (available < permits) {
        return Optional.empty();
      }
      available -= permits;
    }
    return Optional.of(new BrokenPermit(permits));
  }

  private synchronized void release(int permits) {
    available += permits;
  }

  private final class BrokenPermit implements Permit {
    private final int permits;
    private volatile boolean held = true;

    BrokenPermit(int permits) {
      this.permits = permits;
    }

    @Override
    public int permits() {
      return permits;
    }

    @Override
    public boolean isHeld() {
      return held;
    }

    @Override
    public void close() {
      if (bug == Bug.DOUBLE_RELEASE) {
        if (held) {
          held = false; // the bug: not atomic with the check above
          release(permits);
        }
        return;
      }
      synchronized (BrokenSemaphore.this) {
        if (!held) {
          return;
        }
        held = false;
      }
      release(permits);
    }
  }

  @Override
  public synchronized void setLimit(int newLimit) {
    available += newLimit - limit;
    limit = newLimit;
  }

  @Override
  public String name() {
    return "broken-" + bug;
  }

  @Override
  public int limit() {
    return limit;
  }

  @Override
  public int available() {
    return Math.max(0, available);
  }

  @Override
  public int waiting() {
    return 0;
  }

  @Override
  public boolean isClosed() {
    return closed;
  }

  @Override
  public void close() {
    closed = true;
  }

  @Override
  public String toString() {
    return name() + "[limit=" + limit + ", available=" + available + "]";
  }

  // ---------------------------------------------------------------- not needed by the harness

  @Override
  public Permit acquire(int permits) {
    throw new UnsupportedOperationException();
  }

  @Override
  public Optional<Permit> tryAcquire(int permits, Duration timeout) {
    throw new UnsupportedOperationException();
  }

  @Override
  public CompletableFuture<Permit> acquireAsync(int permits) {
    throw new UnsupportedOperationException();
  }

  @Override
  public SemaphoreStats stats() {
    throw new UnsupportedOperationException();
  }
}
