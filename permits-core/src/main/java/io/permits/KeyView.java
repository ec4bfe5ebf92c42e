package io.permits;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/** A {@link KeyedSemaphore} seen through one key: see {@link KeyedSemaphore#forKey(Object)}. */
final class KeyView<K> implements Semaphore {
  private final PerKeySemaphores<K> owner;
  private final K key;

  KeyView(PerKeySemaphores<K> owner, K key) {
    this.owner = owner;
    this.key = key;
  }

  @Override
  public String name() {
    return KeyNames.of(owner.name(), key);
  }

  @Override
  public int limit() {
    return owner.limitFor();
  }

  @Override
  public int available() {
    return owner.available(key);
  }

  @Override
  public int waiting() {
    return owner.waiting(key);
  }

  @Override
  public Permit acquire(int permits) throws InterruptedException {
    return owner.acquire(key, permits);
  }

  @Override
  public Optional<Permit> tryAcquire(int permits) {
    return owner.tryAcquire(key, permits);
  }

  @Override
  public Optional<Permit> tryAcquire(int permits, Duration timeout) throws InterruptedException {
    return owner.tryAcquire(key, permits, timeout);
  }

  @Override
  public CompletableFuture<Permit> acquireAsync(int permits) {
    return owner.acquireAsync(key, permits);
  }

  /** Changes the per-key limit of every key. */
  @Override
  public void setLimit(int limit) {
    owner.setPerKeyLimit(limit);
  }

  /** This key's gauges; the totals of the whole keyed semaphore. */
  @Override
  public SemaphoreStats stats() {
    int held = owner.held(key);
    return owner.stats().withGauges(limit(), available(), held, waiting());
  }

  @Override
  public List<PermitHolder> holders() {
    return owner.holders(key);
  }

  @Override
  public boolean isClosed() {
    return owner.isClosed();
  }

  /** Closes the whole keyed semaphore: the view has no life of its own. */
  @Override
  public void close() {
    owner.close();
  }

  @Override
  public String toString() {
    return "KeyView[" + owner.name() + ", key " + key + "]";
  }
}
