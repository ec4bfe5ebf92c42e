package io.permits.backend;

import io.permits.Fairness;
import io.permits.LocalSemaphore;
import io.permits.Permit;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * The skeleton every shared backend (file, Redis) stands on: an in-process gate where this
 * process's requests queue, time out and are interrupted in memory before they reach the shared
 * store, kept at the newest limit the store reported ({@link GateLimit}), and the one failure of
 * an impossible request. A request takes its gate permits first, then the store's; so at most
 * {@code limit} requests of a process are in the store at once. For backend implementations, not
 * for applications.
 */
public final class Gate {

  /** Reads the store's limit (and reports it back to the gate). */
  public interface LimitReader {
    /** Reads the limit recorded in the shared store. */
    void readLimit();
  }

  private final String name;
  private final LocalSemaphore local;
  private final GateLimit limit;
  private final int maxLimit;
  private final LimitReader store;

  /**
   * A gate for the semaphore {@code name}.
   *
   * @param name the semaphore's name
   * @param limit the limit read from the store when the backend opened
   * @param version that limit's version
   * @param fairness how this process's requests queue
   * @param maxLimit the largest limit the store can hold
   * @param store reads the store's limit: before a request larger than the gate's limit fails as
   *     impossible, the store is asked (another process may have raised it)
   */
  public Gate(
      String name, int limit, long version, Fairness fairness, int maxLimit, LimitReader store) {
    this.name = name;
    this.local = LocalSemaphore.builder().name(name).limit(limit).fairness(fairness).build();
    this.limit = new GateLimit(local, limit, version);
    this.maxLimit = maxLimit;
    this.store = store;
  }

  /**
   * The in-process semaphore, for counts, statistics and closing.
   *
   * @return the gate's semaphore
   */
  public LocalSemaphore local() {
    return local;
  }

  /**
   * Waits for gate permits.
   *
   * @param permits how many
   * @return the gate permits
   * @throws InterruptedException if interrupted while waiting
   */
  public Permit acquire(int permits) throws InterruptedException {
    readStoreBefore(permits);
    return local.acquire(permits);
  }

  /**
   * Takes gate permits if free now.
   *
   * @param permits how many
   * @return the gate permits, or empty
   */
  public Optional<Permit> tryAcquire(int permits) {
    readStoreBefore(permits);
    return local.tryAcquire(permits);
  }

  /**
   * Waits at most {@code timeout} for gate permits.
   *
   * @param permits how many
   * @param timeout how long at most
   * @return the gate permits, or empty
   * @throws InterruptedException if interrupted while waiting
   */
  public Optional<Permit> tryAcquire(int permits, Duration timeout) throws InterruptedException {
    readStoreBefore(permits);
    return local.tryAcquire(permits, timeout);
  }

  /**
   * Asks for gate permits without a thread.
   *
   * @param permits how many
   * @return the gate permits, when granted
   */
  public CompletableFuture<Permit> acquireAsync(int permits) {
    readStoreBefore(permits);
    return local.acquireAsync(permits);
  }

  /**
   * Reports a limit read from the store with its version; the gate follows the newest.
   *
   * @param limit the limit read (below 1: nothing was read, ignored)
   * @param version its version
   */
  public void report(int limit, long version) {
    this.limit.report(limit, version);
  }

  /**
   * Reports a limit just written and returns once the gate has it (or a newer one).
   *
   * @param limit the limit written
   * @param version its version
   */
  public void reportAndSettle(int limit, long version) {
    this.limit.reportAndSettle(limit, version);
  }

  /**
   * Whether a limit read with {@code version} is newer than any reported so far.
   *
   * @param version the version read
   * @return whether reporting it would change what the gate follows
   */
  public boolean isNewer(long version) {
    return limit.isNewer(version);
  }

  /**
   * The failure of a request the store says can never be granted (the backend reports the limit
   * it read as it does any other).
   *
   * @param permits the request's permits
   * @param limit the store's limit
   * @return the exception to throw, naming the request, the semaphore and the limit
   */
  public IllegalArgumentException impossible(int permits, int limit) {
    return new IllegalArgumentException(
        "a request for " + permits + " permits can never be granted: the limit of semaphore '"
            + name + "' is now " + limit);
  }

  private void readStoreBefore(int permits) {
    if (permits > local.limit() && permits <= maxLimit && !local.isClosed()) {
      store.readLimit();
    }
  }
}
