package io.permits.tck;

import io.permits.Permit;
import io.permits.Semaphore;
import io.permits.SemaphoreStats;
import java.time.Duration;
import java.util.Optional;
import java.util.Queue;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * Forwards every call to the backend's semaphore and remembers every permit it hands out, so
 * that {@link ConservationCheck} can close them all after the test. Futures and permits are the
 * backend's own objects, returned unchanged.
 */
final class TrackingSemaphore implements Semaphore {
  final Semaphore delegate;
  final Queue<Permit> permits = new ConcurrentLinkedQueue<>();

  TrackingSemaphore(Semaphore delegate) {
    this.delegate = delegate;
  }

  private Permit track(Permit permit) {
    permits.add(permit);
    return permit;
  }

  private Optional<Permit> track(Optional<Permit> permit) {
    permit.ifPresent(permits::add);
    return permit;
  }

  private CompletableFuture<Permit> track(CompletableFuture<Permit> future) {
    future.whenComplete(
        (permit, failure) -> {
          if (permit != null) {
            permits.add(permit);
          }
        });
    return future;
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
  public Permit acquire() throws InterruptedException {
    return track(delegate.acquire());
  }

  @Override
  public Permit acquire(int count) throws InterruptedException {
    return track(delegate.acquire(count));
  }

  @Override
  public Optional<Permit> tryAcquire() {
    return track(delegate.tryAcquire());
  }

  @Override
  public Optional<Permit> tryAcquire(int count) {
    return track(delegate.tryAcquire(count));
  }

  @Override
  public Optional<Permit> tryAcquire(Duration timeout) throws InterruptedException {
    return track(delegate.tryAcquire(timeout));
  }

  @Override
  public Optional<Permit> tryAcquire(int count, Duration timeout) throws InterruptedException {
    return track(delegate.tryAcquire(count, timeout));
  }

  @Override
  public CompletableFuture<Permit> acquireAsync() {
    return track(delegate.acquireAsync());
  }

  @Override
  public CompletableFuture<Permit> acquireAsync(int count) {
    return track(delegate.acquireAsync(count));
  }

  @Override
  public <T> T call(Duration maxWait, Callable<T> task) throws Exception {
    return delegate.call(maxWait, task);
  }

  @Override
  public void run(Duration maxWait, Runnable task) throws InterruptedException {
    delegate.run(maxWait, task);
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
    return delegate.toString();
  }
}
