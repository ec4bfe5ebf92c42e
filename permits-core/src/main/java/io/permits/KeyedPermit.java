package io.permits;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;

/**
 * The permit of a {@link KeyedSemaphore}: the key's permit and, if there is a total, the total's.
 * Closing it closes both (the total's first) and lets the key go if it is idle; only the first
 * close counts.
 */
class KeyedPermit<K> implements Permit {
  private final PerKeySemaphores<K> owner;
  private final K key;
  private final PerKeySemaphores.KeyEntry entry;
  private final Permit own;
  private final @Nullable Permit shared;
  private final long grantedAt;
  private final AtomicBoolean closed = new AtomicBoolean();

  KeyedPermit(
      PerKeySemaphores<K> owner,
      K key,
      PerKeySemaphores.KeyEntry entry,
      Permit own,
      @Nullable Permit shared,
      long grantedAt) {
    this.owner = owner;
    this.key = key;
    this.entry = entry;
    this.own = own;
    this.shared = shared;
    this.grantedAt = grantedAt;
  }

  @Override
  public int permits() {
    return own.permits();
  }

  @Override
  public boolean isHeld() {
    Permit all = shared;
    return !closed.get() && own.isHeld() && (all == null || all.isHeld());
  }

  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    try {
      Permit all = shared;
      if (all != null) {
        all.close();
      }
    } finally {
      try {
        own.close();
      } finally {
        owner.released(key, entry, own.permits(), grantedAt);
      }
    }
  }

  @Override
  public String toString() {
    return "KeyedPermit[" + owner.name() + ", key " + key + ", " + own.permits() + " permits"
        + (closed.get() ? ", closed" : "") + "]";
  }

  /** The key's semaphore hands out leases (a distributed backend): so does the keyed one. */
  static final class OfLease<K> extends KeyedPermit<K> implements Lease {
    private final Lease lease;
    private final @Nullable Permit shared;

    OfLease(
        PerKeySemaphores<K> owner,
        K key,
        PerKeySemaphores.KeyEntry entry,
        Lease lease,
        @Nullable Permit shared,
        long grantedAt) {
      super(owner, key, entry, lease, shared, grantedAt);
      this.lease = lease;
      this.shared = shared;
    }

    /** The key's lease's token: strictly increasing per key. */
    @Override
    public long token() {
      return lease.token();
    }

    @Override
    public Duration remaining() {
      Duration own = lease.remaining();
      if (shared instanceof Lease total) {
        Duration all = total.remaining();
        return all.compareTo(own) < 0 ? all : own;
      }
      return own;
    }

    @Override
    public CompletableFuture<Void> lost() {
      if (shared instanceof Lease total) {
        return CompletableFuture.anyOf(lease.lost(), total.lost()).thenApply(ignored -> null);
      }
      return lease.lost();
    }
  }
}
