package io.permits.bench;

import io.github.resilience4j.bulkhead.Bulkhead;
import io.github.resilience4j.bulkhead.BulkheadConfig;
import io.permits.Permit;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * Resilience4j's {@code SemaphoreBulkhead} as a {@link BenchSemaphore}: {@code acquirePermission()}
 * to acquire, {@code onComplete()} to release, which is how its {@code decorate…} helpers use it.
 * The configuration is the default (fair call handling, that is a fair JDK semaphore inside) except
 * for a wait bound of a day, so that acquiring blocks like the other peers' {@code acquire()} (it
 * is a timed {@code tryAcquire} inside). No listener is registered, so no event object is built. It
 * has no weighted and no async acquire.
 */
final class BulkheadBenchSemaphore implements BenchSemaphore {
  static final Duration MAX_WAIT = Duration.ofDays(1);

  private final Bulkhead bulkhead;
  private final Permit releaser;

  BulkheadBenchSemaphore(int limit) {
    BulkheadConfig config =
        BulkheadConfig.custom().maxConcurrentCalls(limit).maxWaitDuration(MAX_WAIT).build();
    this.bulkhead = Bulkhead.of("bench", config);
    this.releaser = new Releaser(bulkhead);
  }

  @Override
  public Permit acquire() {
    bulkhead.acquirePermission();
    return releaser;
  }

  @Override
  public Permit acquire(int permits) {
    throw new UnsupportedOperationException("a Resilience4j bulkhead has no weighted acquire");
  }

  @Override
  public CompletableFuture<Permit> acquireAsync() {
    throw new UnsupportedOperationException(
        "a Resilience4j SemaphoreBulkhead has no async acquire");
  }

  @Override
  public boolean supportsWeighted() {
    return false;
  }

  @Override
  public boolean supportsAsync() {
    return false;
  }

  @Override
  public String toString() {
    return bulkhead.toString();
  }

  /** Calls {@code onComplete()} on close; shared by every acquire. */
  private record Releaser(Bulkhead bulkhead) implements Permit {
    @Override
    public int permits() {
      return 1;
    }

    @Override
    public boolean isHeld() {
      return true; // not tracked: the benchmark closes each acquire exactly once
    }

    @Override
    public void close() {
      bulkhead.onComplete();
    }
  }
}
