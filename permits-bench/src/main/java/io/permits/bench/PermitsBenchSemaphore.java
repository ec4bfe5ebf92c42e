package io.permits.bench;

import io.permits.LocalSemaphore;
import io.permits.Permit;
import java.util.concurrent.CompletableFuture;

/** A {@link LocalSemaphore} as a {@link BenchSemaphore}: every call forwards, nothing added. */
final class PermitsBenchSemaphore implements BenchSemaphore {
  private final LocalSemaphore semaphore;

  PermitsBenchSemaphore(LocalSemaphore semaphore) {
    this.semaphore = semaphore;
  }

  @Override
  public Permit acquire() throws InterruptedException {
    return semaphore.acquire();
  }

  @Override
  public Permit acquire(int permits) throws InterruptedException {
    return semaphore.acquire(permits);
  }

  @Override
  public CompletableFuture<Permit> acquireAsync() {
    return semaphore.acquireAsync();
  }

  @Override
  public boolean supportsWeighted() {
    return true;
  }

  @Override
  public boolean supportsAsync() {
    return true;
  }

  @Override
  public String toString() {
    return semaphore.toString();
  }
}
