package io.permits.stress;

import io.permits.Permit;
import io.permits.Semaphore;
import io.permits.SemaphoreStats;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/** A semaphore that forwards every call; tests break one method of it at a time. */
abstract class ForwardingSemaphore implements Semaphore {
  final Semaphore delegate;

  ForwardingSemaphore(Semaphore delegate) {
    this.delegate = delegate;
  }

  @Override
  public String name() {
    return delegate.name();
  }

  @Override
  public int limit() {
    return delegate.limit();
  }

  @Override
  public int available() {
    return delegate.available();
  }

  @Override
  public int waiting() {
    return delegate.waiting();
  }

  @Override
  public Permit acquire(int permits) throws InterruptedException {
    return delegate.acquire(permits);
  }

  @Override
  public Optional<Permit> tryAcquire(int permits) {
    return delegate.tryAcquire(permits);
  }

  @Override
  public Optional<Permit> tryAcquire(int permits, Duration timeout) throws InterruptedException {
    return delegate.tryAcquire(permits, timeout);
  }

  @Override
  public CompletableFuture<Permit> acquireAsync(int permits) {
    return delegate.acquireAsync(permits);
  }

  @Override
  public void setLimit(int limit) {
    delegate.setLimit(limit);
  }

  @Override
  public SemaphoreStats stats() {
    return delegate.stats();
  }

  @Override
  public boolean isClosed() {
    return delegate.isClosed();
  }

  @Override
  public void close() {
    delegate.close();
  }

  @Override
  public String toString() {
    return getClass().getSimpleName() + "[" + delegate + "]";
  }

  /** A permit no semaphore counts: closing it gives nothing back. */
  static final class PhantomPermit implements Permit {
    private final int permits;
    private volatile boolean held = true;

    PhantomPermit(int permits) {
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
      held = false;
    }
  }
}
