package io.permits;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;

/**
 * A limit per key, with an optional limit across keys: "at most 2 exports per tenant, 20 in all".
 * Each request names a key and gets the same {@link Permit} as any semaphore; closing it gives the
 * permits back to the key and to the total.
 *
 * <pre>{@code
 * KeyedSemaphore<String> exports =
 *     KeyedSemaphore.builder().name("exports").perKeyLimit(2).limit(20).build();
 *
 * try (Permit permit = exports.acquire(tenantId)) {
 *   export(tenantId);
 * }
 * }</pre>
 *
 * <p>A key's semaphore exists while the key has holders or waiters and is dropped when its last
 * permit is closed and its last waiter leaves, so memory grows with the keys in use, not with the
 * keys ever seen. Keys are compared with {@code equals}; use immutable keys.
 *
 * <p>A request takes its key's permits first and then the total's, and holds the key's permits
 * while it waits for the total's: the two levels are always taken in that order, so they cannot
 * deadlock, and a busy key cannot hold the total's permits while it waits for its own. Both levels
 * keep the rules of every {@link Semaphore} (conservation, the bound, atomic weights, one
 * cancellation path, fairness, impossible requests failing at once, close); a request that gives
 * up while waiting for the total returns its key's permits before the caller hears.
 *
 * <p>Each key's semaphore, and the total, come from a {@link Opener}: in-process {@link
 * LocalSemaphore}s by default, or any backend (a file or Redis semaphore named after the key: see
 * {@link Builder#backend(Opener)}), which shares the limits between processes.
 *
 * <p>Statistics, the listener and metrics are those of the keyed semaphore as a whole (a meter per
 * key would grow without bound); {@link #busiestKeys(int)} shows the keys that hold or wait most.
 *
 * @param <K> the key type
 */
public interface KeyedSemaphore<K> extends AutoCloseable {

  /**
   * Starts a builder.
   *
   * @return a new builder, with a per-key limit of 1 and no total
   */
  static Builder builder() {
    return new Builder();
  }

  /**
   * The name, used in error messages, metrics and as the prefix of each key's semaphore's name.
   *
   * @return the name
   */
  String name();

  /**
   * The number of permits each key may hold at once.
   *
   * @return the per-key limit, at least 1
   */
  int perKeyLimit();

  /**
   * The number of permits all keys together may hold at once.
   *
   * @return the total limit, or empty if there is none
   */
  Optional<Integer> totalLimit();

  /**
   * Acquires one permit for {@code key}, waiting as long as it takes.
   *
   * @param key the key
   * @return the permit; close it to release
   * @throws InterruptedException if the thread is interrupted while waiting (nothing is held)
   * @throws SemaphoreClosedException if this semaphore is or becomes closed
   */
  default Permit acquire(K key) throws InterruptedException {
    return acquire(key, 1);
  }

  /**
   * Acquires {@code permits} permits for {@code key} at once, waiting as long as it takes.
   *
   * @param key the key
   * @param permits how many, from 1 to the per-key limit (and the total limit, if any)
   * @return a permit holding them all; close it to release
   * @throws InterruptedException if the thread is interrupted while waiting (nothing is held)
   * @throws IllegalArgumentException if {@code permits} is out of range, or a shrink made the
   *     request impossible while it waited
   * @throws SemaphoreClosedException if this semaphore is or becomes closed
   */
  Permit acquire(K key, int permits) throws InterruptedException;

  /**
   * Acquires one permit for {@code key} if it can be had now, without waiting.
   *
   * @param key the key
   * @return the permit, or empty
   * @throws SemaphoreClosedException if this semaphore is closed
   */
  default Optional<Permit> tryAcquire(K key) {
    return tryAcquire(key, 1);
  }

  /**
   * Acquires {@code permits} permits for {@code key} if they can be had now, without waiting.
   *
   * @param key the key
   * @param permits how many, from 1 to the per-key limit (and the total limit, if any)
   * @return a permit holding them all, or empty
   * @throws IllegalArgumentException if {@code permits} is out of range
   * @throws SemaphoreClosedException if this semaphore is closed
   */
  Optional<Permit> tryAcquire(K key, int permits);

  /**
   * Acquires one permit for {@code key}, waiting at most {@code timeout}.
   *
   * @param key the key
   * @param timeout the longest wait, for both levels together; zero means do not wait
   * @return the permit, or empty if the time ran out
   * @throws InterruptedException if the thread is interrupted while waiting (nothing is held)
   * @throws IllegalArgumentException if {@code timeout} is negative
   * @throws SemaphoreClosedException if this semaphore is or becomes closed
   */
  default Optional<Permit> tryAcquire(K key, Duration timeout) throws InterruptedException {
    return tryAcquire(key, 1, timeout);
  }

  /**
   * Acquires {@code permits} permits for {@code key} at once, waiting at most {@code timeout}.
   *
   * @param key the key
   * @param permits how many, from 1 to the per-key limit (and the total limit, if any)
   * @param timeout the longest wait, for both levels together; zero means do not wait
   * @return a permit holding them all, or empty if the time ran out
   * @throws InterruptedException if the thread is interrupted while waiting (nothing is held)
   * @throws IllegalArgumentException if {@code permits} is out of range or {@code timeout}
   *     negative
   * @throws SemaphoreClosedException if this semaphore is or becomes closed
   */
  Optional<Permit> tryAcquire(K key, int permits, Duration timeout) throws InterruptedException;

  /**
   * Requests one permit for {@code key} without blocking the caller.
   *
   * @param key the key
   * @return a future completed with the permit; {@code cancel} withdraws the request
   * @see #acquireAsync(Object, int)
   */
  default CompletableFuture<Permit> acquireAsync(K key) {
    return acquireAsync(key, 1);
  }

  /**
   * Requests {@code permits} permits for {@code key} without blocking the caller; no thread waits
   * for it. Cancelling the future (or completing it by other means) withdraws the request from
   * whichever level it waits at and returns the key's permits if it had them; if a grant races the
   * cancellation exactly one wins, as {@link Semaphore#acquireAsync(int)} says.
   *
   * @param key the key
   * @param permits how many, from 1 to the per-key limit (and the total limit, if any)
   * @return a future completed with a permit holding them all, or exceptionally with {@link
   *     SemaphoreClosedException} (or {@link IllegalArgumentException} if a shrink made the request
   *     impossible)
   * @throws IllegalArgumentException if {@code permits} is out of range
   */
  CompletableFuture<Permit> acquireAsync(K key, int permits);

  /**
   * Runs {@code task} while holding one permit for {@code key}, acquired within {@code maxWait}.
   *
   * @param key the key
   * @param maxWait the longest wait for the permit
   * @param task the work to run
   * @param <T> the task's result type
   * @return what the task returned
   * @throws PermitUnavailableException if no permit came within {@code maxWait}
   * @throws InterruptedException if interrupted while waiting for the permit
   * @throws Exception whatever the task throws
   */
  default <T> T call(K key, Duration maxWait, Callable<T> task) throws Exception {
    return forKey(key).call(maxWait, task);
  }

  /**
   * Runs {@code task} while holding one permit for {@code key}, acquired within {@code maxWait}.
   *
   * @param key the key
   * @param maxWait the longest wait for the permit
   * @param task the work to run
   * @throws PermitUnavailableException if no permit came within {@code maxWait}
   * @throws InterruptedException if interrupted while waiting for the permit
   */
  default void run(K key, Duration maxWait, Runnable task) throws InterruptedException {
    forKey(key).run(maxWait, task);
  }

  /**
   * This semaphore seen through one key, as a {@link Semaphore}: for code that takes a semaphore
   * (a {@link BoundedExecutor} per tenant, say). Its requests are this semaphore's requests for
   * {@code key}; its limit is the per-key limit (or the total limit, if smaller); {@link
   * Semaphore#setLimit(int)} changes the per-key limit of every key; its statistics' totals are
   * those of the whole keyed semaphore. The view has no life of its own: closing it closes this
   * keyed semaphore.
   *
   * @param key the key
   * @return a view; cheap, and not kept by this semaphore
   */
  Semaphore forKey(K key);

  /**
   * The number of keys that have holders or waiters now.
   *
   * @return the keys in use
   */
  int keysInUse();

  /**
   * The permits held for {@code key} now.
   *
   * @param key the key
   * @return held permits, 0 for a key not in use
   */
  int held(K key);

  /**
   * The keys that hold the most permits now (ties: the most waiters first), for diagnostics. Costs
   * a pass over the keys in use.
   *
   * @param max how many keys at most
   * @return the busiest keys, busiest first
   * @throws IllegalArgumentException if {@code max < 0}
   */
  List<KeyLoad<K>> busiestKeys(int max);

  /**
   * Changes the per-key limit of every key, now and later, as {@link Semaphore#setLimit(int)}
   * does for one semaphore.
   *
   * @param limit the new per-key limit, at least 1
   * @throws IllegalArgumentException if {@code limit < 1}
   */
  void setPerKeyLimit(int limit);

  /**
   * Changes the total limit, as {@link Semaphore#setLimit(int)} does.
   *
   * @param limit the new total limit, at least 1
   * @throws IllegalArgumentException if {@code limit < 1}
   * @throws IllegalStateException if this semaphore was built without a total limit
   */
  void setTotalLimit(int limit);

  /**
   * A snapshot for the whole keyed semaphore: {@code held} and {@code waiting} over all keys; the
   * total's limit and available permits (without a total: the per-key limit times the keys in
   * use, and what of that is free); totals counted since it was built.
   *
   * @return the statistics
   */
  SemaphoreStats stats();

  /**
   * Whether {@link #close()} was called.
   *
   * @return true once closed
   */
  boolean isClosed();

  /**
   * Closes this semaphore: every queued request and every later one fails with {@link
   * SemaphoreClosedException}; permits already held stay valid and may still be closed.
   * Idempotent.
   */
  @Override
  void close();

  /**
   * Opens the semaphore of one key, or the total: how a keyed semaphore gets its per-key
   * semaphores from a backend. Called with the key's semaphore's name ({@code NAME.KEY}, see
   * {@link KeyedSemaphore.Builder#backend(Opener)}) when a key comes into use, and closed when it
   * goes out of use.
   */
  @FunctionalInterface
  interface Opener {
    /**
     * Opens a semaphore.
     *
     * @param name its name
     * @param limit its limit
     * @return a new semaphore, which the keyed semaphore closes when done with it
     */
    Semaphore open(String name, int limit);
  }

  /**
   * Builds a {@link KeyedSemaphore}. Not thread-safe; each {@link #build()} makes a new one.
   */
  final class Builder {
    private String name = "keyed";
    private int perKeyLimit = 1;
    private int totalLimit; // 0: none
    private Fairness fairness = Fairness.BOUNDED;
    private final java.util.ArrayList<SemaphoreListener> listeners = new java.util.ArrayList<>();
    private boolean recordHoldTimes;
    private Opener opener = this::localSemaphore;

    private Builder() {}

    /**
     * Names the keyed semaphore; each key's semaphore is named {@code NAME.KEY}.
     *
     * @param name a non-blank name
     * @return this builder
     * @throws IllegalArgumentException if {@code name} is blank
     */
    public Builder name(String name) {
      Objects.requireNonNull(name, "name");
      if (name.isBlank()) {
        throw new IllegalArgumentException("name must not be blank, was '" + name + "'");
      }
      this.name = name;
      return this;
    }

    /**
     * Sets the number of permits each key may hold at once.
     *
     * @param limit at least 1
     * @return this builder
     * @throws IllegalArgumentException if {@code limit < 1}
     */
    public Builder perKeyLimit(int limit) {
      this.perKeyLimit = checkLimit("perKeyLimit", limit);
      return this;
    }

    /**
     * Sets the number of permits all keys together may hold at once; without it there is no total.
     *
     * @param limit at least 1
     * @return this builder
     * @throws IllegalArgumentException if {@code limit < 1}
     */
    public Builder limit(int limit) {
      this.totalLimit = checkLimit("limit", limit);
      return this;
    }

    /**
     * Sets the fairness of the in-process semaphores (each key's and the total); the default is
     * {@link Fairness#BOUNDED}. A {@link #backend(Opener) backend} sets its own.
     *
     * @param fairness the mode
     * @return this builder
     */
    public Builder fairness(Fairness fairness) {
      this.fairness = Objects.requireNonNull(fairness, "fairness");
      return this;
    }

    /**
     * Adds a listener, called with this keyed semaphore's name (not the key's) for every request
     * of every key. Listeners must be quick and must not block.
     *
     * @param listener the listener
     * @return this builder
     */
    public Builder listener(SemaphoreListener listener) {
      listeners.add(Objects.requireNonNull(listener, "listener"));
      return this;
    }

    /**
     * Records how long permits are held, for {@link SemaphoreStats#holdTime()} (two clock reads
     * per request). Off by default; a listener turns it on.
     *
     * @param record whether to record
     * @return this builder
     */
    public Builder recordHoldTimes(boolean record) {
      this.recordHoldTimes = record;
      return this;
    }

    /**
     * Takes each key's semaphore, and the total, from a backend instead of this JVM's memory: for
     * example {@code (name, limit) -> FileSemaphore.builder(name).limit(limit).build()} or a Redis
     * semaphore of that name, so that every process naming the same keyed semaphore shares its
     * limits. The key's semaphore is named {@code NAME.KEY}, the key written with letters, digits,
     * {@code _} and {@code -} as they are and any other character as {@code .} and its UTF-8 bytes
     * in hex ({@code "a b"} becomes {@code a.20b}); a key whose name would pass 100 characters is
     * named by a SHA-256 hash of it. The total is named {@code NAME}.
     *
     * @param opener opens a semaphore of the given name and limit
     * @return this builder
     */
    public Builder backend(Opener opener) {
      this.opener = Objects.requireNonNull(opener, "opener");
      return this;
    }

    /**
     * Builds the keyed semaphore (and, if a total limit is set, opens the total).
     *
     * @param <K> the key type
     * @return a new keyed semaphore
     */
    public <K> KeyedSemaphore<K> build() {
      return new PerKeySemaphores<>(
          name,
          perKeyLimit,
          totalLimit,
          opener,
          ListenerCalls.of(name, List.copyOf(listeners)),
          recordHoldTimes || !listeners.isEmpty());
    }

    private Semaphore localSemaphore(String semaphoreName, int limit) {
      return LocalSemaphore.builder()
          .name(semaphoreName)
          .limit(limit)
          .fairness(fairness)
          .recordStats(false)
          .build();
    }

    private static int checkLimit(String what, int limit) {
      if (limit < 1) {
        throw new IllegalArgumentException(what + " must be at least 1, was " + limit);
      }
      return limit;
    }
  }
}
