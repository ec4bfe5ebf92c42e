package io.permits.backend;

import io.permits.Lease;
import io.permits.Permit;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;

/**
 * The acquire methods of a leasing backend (Redis, PostgreSQL): each request first takes its
 * permits at the client's in-process {@link Gate}, where it queues, times out and is interrupted
 * in memory, then asks the store under a fresh id. For backend implementations, not for
 * applications.
 */
public final class GatedAcquires {

  /*
   * Implementation notes. The gate holds at most the limit's permits in this JVM, so at most
   * `limit` requests at a time reach the store, and an async request needs a thread only past the
   * gate: a virtual thread of its own, which the caller withdraws by completing the future (cancel,
   * orTimeout, complete): that interrupts the thread, and the store's request cancels its id
   * before the thread ends. The thread never interrupts itself for its own completion, whose
   * dependents may be running on it (the `settling` flag), and a lease granted as the future was
   * completed by the caller is closed at once.
   */

  /** One request to the store, for permits already taken at the gate. */
  public interface Store {
    /**
     * Asks the store and waits while the request is queued there.
     *
     * @param gatePermit the in-process permits, which the lease keeps, or the request gives back
     * @param timed whether {@code deadlineNanos} applies
     * @param deadlineNanos the {@link System#nanoTime()} by which to give up, if timed
     * @return the lease, or null if the deadline passed first (the request then holds nothing)
     * @throws InterruptedException if interrupted while queued (the request then holds nothing)
     */
    @Nullable RemoteLease request(Permit gatePermit, boolean timed, long deadlineNanos)
        throws InterruptedException;

    /**
     * Asks the store once, without waiting.
     *
     * @param gatePermit the in-process permits, which the lease keeps, or the request gives back
     * @return the lease, or null if the store had no room for it now
     */
    @Nullable RemoteLease requestNow(Permit gatePermit);
  }

  private final Gate gate;
  private final String asyncThreadName;
  private final Store store;

  /**
   * The acquire methods of one semaphore.
   *
   * @param gate the semaphore's in-process gate
   * @param asyncThreadName the name of each async request's thread past the gate
   * @param store sends one request to the store
   */
  public GatedAcquires(Gate gate, String asyncThreadName, Store store) {
    this.gate = gate;
    this.asyncThreadName = asyncThreadName;
    this.store = store;
  }

  /**
   * {@link io.permits.Semaphore#acquire(int)}.
   *
   * @param permits how many
   * @return the lease
   * @throws InterruptedException if interrupted while waiting
   */
  public Lease acquire(int permits) throws InterruptedException {
    Permit gatePermit = gate.acquire(permits);
    return Objects.requireNonNull(
        store.request(gatePermit, false, 0), "an untimed wait ends with a lease or a throw");
  }

  /**
   * {@link io.permits.Semaphore#tryAcquire(int)}.
   *
   * @param permits how many
   * @return the lease, if granted now
   */
  public Optional<Permit> tryAcquire(int permits) {
    return gate.tryAcquire(permits).map(store::requestNow);
  }

  /**
   * {@link io.permits.Semaphore#tryAcquire(int, Duration)}: the timeout covers the gate and the
   * store.
   *
   * @param permits how many
   * @param timeout how long to wait in all
   * @return the lease, if granted in time
   * @throws InterruptedException if interrupted while waiting
   */
  public Optional<Permit> tryAcquire(int permits, Duration timeout) throws InterruptedException {
    Objects.requireNonNull(timeout, "timeout");
    long deadline = System.nanoTime() + Timeouts.saturatedNanos(timeout);
    Optional<Permit> gatePermit = gate.tryAcquire(permits, timeout);
    if (gatePermit.isEmpty()) {
      return Optional.empty();
    }
    return Optional.ofNullable(store.request(gatePermit.get(), true, deadline));
  }

  /**
   * {@link io.permits.Semaphore#acquireAsync(int)}: waits at the gate without a thread, then for
   * the store on a virtual thread of its own.
   *
   * @param permits how many
   * @return completes with the lease; completing it first withdraws the request
   */
  public CompletableFuture<Permit> acquireAsync(int permits) {
    CompletableFuture<Permit> gateFuture = gate.acquireAsync(permits);
    CompletableFuture<Permit> result = new CompletableFuture<>();
    gateFuture.whenComplete(
        (gatePermit, failure) -> {
          if (failure == null) {
            Thread.ofVirtual()
                .name(asyncThreadName)
                .start(() -> completeRemotely(gatePermit, result));
          } else { // inline, on the thread that failed it (a close, say), as the gate does
            result.completeExceptionally(failure);
          }
        });
    result.whenComplete((permit, failure) -> gateFuture.cancel(false)); // withdrawn at the gate
    return result;
  }

  private void completeRemotely(Permit gatePermit, CompletableFuture<Permit> result) {
    Thread self = Thread.currentThread();
    AtomicBoolean settling = new AtomicBoolean();
    result.whenComplete(
        (permit, failure) -> {
          if (!settling.get()) {
            self.interrupt();
          }
        });
    try {
      RemoteLease lease =
          Objects.requireNonNull(
              store.request(gatePermit, false, 0), "an untimed wait ends with a lease or a throw");
      settling.set(true);
      if (!result.complete(lease)) {
        lease.close(); // withdrawn as it was granted
      }
    } catch (InterruptedException withdrawn) {
      // the caller completed the future; the request cancelled its id and holds nothing
    } catch (RuntimeException failed) {
      settling.set(true);
      result.completeExceptionally(failed);
    }
  }
}
