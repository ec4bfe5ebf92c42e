package io.permits.bench;

import io.permits.Permit;
import java.util.concurrent.CompletableFuture;

/**
 * A semaphore as the benchmarks see it: the smallest API that every peer can offer, so one
 * benchmark body measures them all.
 *
 * <p>Acquiring returns a {@link Permit} whose {@link Permit#close()} gives the permits back. For
 * {@code io.permits} semaphores that is the library's own permit; for the peers it is one object
 * made once per semaphore and weight, whose {@code close()} calls the peer's release, so an adapter
 * adds no allocation to what it measures. (A peer's permit does not know whether it is held: it is
 * closed exactly once per acquire by the benchmark code.)
 *
 * <pre>{@code
 * BenchSemaphore semaphore = SemaphoreType.JDK_FAIR.create(4);
 * try (Permit permit = semaphore.acquire()) {
 *   work();
 * }
 * }</pre>
 *
 * <p>Instances are made by {@link SemaphoreType#create(int)}.
 */
public interface BenchSemaphore {

  /**
   * Takes one permit, waiting as long as it takes.
   *
   * @return the permit, to close once
   * @throws InterruptedException if interrupted while waiting
   */
  Permit acquire() throws InterruptedException;

  /**
   * Takes {@code permits} permits at once (all or none), waiting as long as it takes.
   *
   * @param permits how many, between 1 and the limit
   * @return the permits, to close once
   * @throws InterruptedException if interrupted while waiting
   * @throws UnsupportedOperationException if {@link #supportsWeighted()} is false
   */
  Permit acquire(int permits) throws InterruptedException;

  /**
   * Requests one permit without blocking the caller.
   *
   * @return a future completed with the permit once granted
   * @throws UnsupportedOperationException if {@link #supportsAsync()} is false
   */
  CompletableFuture<Permit> acquireAsync();

  /**
   * Whether {@link #acquire(int)} works for more than one permit.
   *
   * @return true if weighted requests are supported
   */
  boolean supportsWeighted();

  /**
   * Whether {@link #acquireAsync()} works.
   *
   * @return true if asynchronous requests are supported
   */
  boolean supportsAsync();
}
