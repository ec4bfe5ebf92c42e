package io.permits.bench;

import io.permits.Permit;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;

/** {@link java.util.concurrent.Semaphore}, fair or non-fair, as a {@link BenchSemaphore}. */
final class JdkBenchSemaphore implements BenchSemaphore {
  private final Semaphore semaphore;
  private final Permit[] releasers; // index: weight; one object per weight, made up front

  JdkBenchSemaphore(int limit, boolean fair) {
    this.semaphore = new Semaphore(limit, fair);
    this.releasers = new Permit[limit + 1];
    for (int weight = 1; weight <= limit; weight++) {
      releasers[weight] = new Releaser(semaphore, weight);
    }
  }

  @Override
  public Permit acquire() throws InterruptedException {
    semaphore.acquire();
    return releasers[1];
  }

  @Override
  public Permit acquire(int permits) throws InterruptedException {
    semaphore.acquire(permits);
    return releasers[permits];
  }

  @Override
  public CompletableFuture<Permit> acquireAsync() {
    throw new UnsupportedOperationException("java.util.concurrent.Semaphore has no async acquire");
  }

  @Override
  public boolean supportsWeighted() {
    return true;
  }

  @Override
  public boolean supportsAsync() {
    return false;
  }

  @Override
  public String toString() {
    return semaphore.toString();
  }

  /** Releases {@code weight} permits on close; shared by every acquire of that weight. */
  private record Releaser(Semaphore semaphore, int weight) implements Permit {
    @Override
    public int permits() {
      return weight;
    }

    @Override
    public boolean isHeld() {
      return true; // not tracked: the benchmark closes each acquire exactly once
    }

    @Override
    public void close() {
      semaphore.release(weight);
    }
  }
}
