package io.permits.lincheck;

import io.permits.Permit;
import io.permits.Semaphore;
import io.permits.SemaphoreClosedException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.jetbrains.lincheck.datastructures.Operation;

/**
 * {@link SemaphoreHarness} plus the operations that make requests wait in the queue:
 *
 * <ul>
 *   <li>{@code acquireAsync(n)}: requests n permits and keeps the future in the calling thread's
 *       first free future slot: "requested", or "full". Whether the future is complete when the
 *       call returns is not part of the result, since another thread's release may complete it
 *       at any moment; cancelling it tells how the request ended.
 *   <li>{@code cancel(slot)}: cancels the calling thread's future in that slot and empties the
 *       slot: "granted" (the request had been granted; the test closes the permit at once),
 *       "not-granted" (withdrawn, or failed because the semaphore closed or shrank below it;
 *       permits set aside for it went on), or "empty".
 *   <li>{@code cancelHandedOver()}: parallel thread t cancels the future that the initial part
 *       requested into its slot t-1; the slot keeps it, and cancelling again repeats the outcome.
 *   <li>{@code waiting()}.
 * </ul>
 *
 * <p>"not-granted" takes withdrawn and failed alike: a request failed by a close or a shrink
 * and one withdrawn by its caller both end without permits, and when the two race, which one
 * the caller sees is timing. {@code acquireAsync} throws {@link IllegalArgumentException} at
 * once when n is above the limit, while a request that a concurrent shrink makes impossible
 * fails its future with the same exception; the test keeps a failed future in the slot in both
 * cases.
 *
 * <p>What Lincheck cannot check here, and where it is covered instead: blocking {@code
 * acquire(n)} and timed {@code tryAcquire(n, timeout)} park the calling thread until another
 * operation releases permits. A Lincheck operation of the data-structure API must finish by
 * itself (waiting is expressible only as a Kotlin suspending function, which a Java test cannot
 * declare), and a timeout needs real time, which the model checker replaces with a constant.
 * Those requests share the queue, the distribution and the abandon path with {@code
 * acquireAsync}, which is checked here; their parking, interrupts and timeouts are covered by
 * the TCK and the randomized stress run.
 */
public abstract class QueueHarness extends SemaphoreHarness {

  @SuppressWarnings("unchecked")
  private final CompletableFuture<Permit>[][] futures =
      new CompletableFuture[THREAD_IDS][SLOTS];

  protected QueueHarness(Semaphore semaphore) {
    super(semaphore);
  }

  @Operation(params = {"thread", "permits"})
  public String acquireAsync(int thread, int n) {
    CompletableFuture<Permit>[] mine = futures[thread];
    int slot = 0;
    while (slot < SLOTS && mine[slot] != null) {
      slot++;
    }
    if (slot == SLOTS) {
      return "full";
    }
    try {
      mine[slot] = semaphore.acquireAsync(n);
    } catch (IllegalArgumentException tooLarge) {
      mine[slot] = CompletableFuture.failedFuture(tooLarge);
    }
    return "requested";
  }

  @Operation(params = {"thread", "slot"})
  public String cancel(int thread, int slot) {
    CompletableFuture<Permit> future = futures[thread][slot];
    if (future == null) {
      return "empty";
    }
    futures[thread][slot] = null;
    return settle(future);
  }

  @Operation(params = {"thread"})
  public String cancelHandedOver(int thread) {
    return cancelShared(thread - 1);
  }

  /**
   * Cancels the initial part's future in {@code slot}, from any thread; the slot keeps it.
   * Custom scenarios only, for the reason given at {@link #releaseShared(int)}: a granted
   * future cancelled by two threads at once is a permit closed by two threads at once.
   */
  public String cancelShared(int slot) {
    CompletableFuture<Permit> future =
        slot >= 0 && slot < SLOTS ? futures[INIT_THREAD][slot] : null;
    return future == null ? "empty" : settle(future);
  }

  @Operation
  @Override
  public int waiting() {
    return super.waiting();
  }

  @Override
  void settleAll() {
    for (CompletableFuture<Permit>[] mine : futures) {
      for (int slot = 0; slot < SLOTS; slot++) {
        if (mine[slot] != null) {
          settle(mine[slot]);
          mine[slot] = null;
        }
      }
    }
  }

  private static String settle(CompletableFuture<Permit> future) {
    if (future.cancel(false)) {
      return "not-granted"; // withdrawn, by this call or an earlier one
    }
    try { // cancel returned false: the future was complete already
      future.join().close();
      return "granted";
    } catch (CompletionException failed) {
      if (failed.getCause() instanceof SemaphoreClosedException
          || failed.getCause() instanceof IllegalArgumentException) {
        return "not-granted";
      }
      throw failed;
    }
  }
}
