package io.permits.tck;

import io.permits.KeyedSemaphore;
import io.permits.Permit;
import io.permits.PermitHolder;
import io.permits.Semaphore;
import io.permits.SemaphoreStats;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * One key of a {@link KeyedSemaphore}, as the contract suite needs a semaphore: its view {@link
 * KeyedSemaphore#forKey(Object)}, reporting the keyed semaphore's name, and whose {@link
 * #setLimit(int)} changes the total limit too when the keyed semaphore has one (so that both
 * levels are under test with the same limit).
 *
 * <pre>{@code
 * protected Semaphore newSemaphore(String name, int limit) {
 *   return OneKey.of(KeyedSemaphore.builder().name(name).perKeyLimit(limit).limit(limit).build());
 * }
 * }</pre>
 */
public final class OneKey implements Semaphore {
  private final KeyedSemaphore<String> keyed;
  private final Semaphore view;

  private OneKey(KeyedSemaphore<String> keyed) {
    this.keyed = keyed;
    this.view = keyed.forKey("key");
  }

  /**
   * The key {@code "key"} of {@code keyed}.
   *
   * @param keyed a keyed semaphore, used by this test only
   * @return the semaphore the contract runs against
   */
  public static Semaphore of(KeyedSemaphore<String> keyed) {
    return new OneKey(keyed);
  }

  @Override
  public String name() {
    return keyed.name();
  }

  @Override
  public int limit() {
    return view.limit();
  }

  @Override
  public int available() {
    return view.available();
  }

  @Override
  public int waiting() {
    return view.waiting();
  }

  @Override
  public Permit acquire(int permits) throws InterruptedException {
    return view.acquire(permits);
  }

  @Override
  public Optional<Permit> tryAcquire(int permits) {
    return view.tryAcquire(permits);
  }

  @Override
  public Optional<Permit> tryAcquire(int permits, Duration timeout) throws InterruptedException {
    return view.tryAcquire(permits, timeout);
  }

  @Override
  public CompletableFuture<Permit> acquireAsync(int permits) {
    return view.acquireAsync(permits);
  }

  @Override
  public void setLimit(int limit) {
    if (limit >= 1 && keyed.totalLimit().isPresent()) {
      keyed.setTotalLimit(limit);
    }
    view.setLimit(limit);
  }

  @Override
  public SemaphoreStats stats() {
    return view.stats();
  }

  @Override
  public List<PermitHolder> holders() {
    return view.holders();
  }

  @Override
  public boolean isClosed() {
    return view.isClosed();
  }

  @Override
  public void close() {
    view.close();
  }

  @Override
  public String toString() {
    return "OneKey[" + keyed + "]";
  }
}
