package io.permits.lincheck;

import java.util.ArrayDeque;
import java.util.Iterator;

/**
 * The sequential specification the Lincheck tests check {@link io.permits.LocalSemaphore}
 * against: a counter with a limit, a FIFO queue of asynchronous requests and the test's permit
 * and future slots, with the same operations, arguments and results as {@link SemaphoreHarness}
 * and {@link QueueHarness}. Lincheck runs a concurrent scenario on the real semaphore, then looks
 * for an order of the same operations that, run one at a time on this model, gives the same
 * results (linearizability).
 *
 * <p>Every operation here is one atomic step; in particular a release hands the permits to the
 * head of the queue in the same step. The two subclasses differ only in the fairness rules:
 *
 * <ul>
 *   <li>{@link Strict}: while anyone waits, a newcomer gets nothing, and free permits go to the
 *       head of the queue, partially if short.
 *   <li>{@link Barging}: a newcomer takes free permits whatever the queue; the head is granted
 *       only when all it asked for is free at once.
 * </ul>
 */
public abstract class SemaphoreModel {

  private final boolean strict;
  private int limit = SemaphoreHarness.LIMIT;
  private int available = SemaphoreHarness.LIMIT; // negative after a shrink below the held permits
  private boolean closed;
  private final ArrayDeque<Request> queue = new ArrayDeque<>();
  // held[thread][slot]: the weight of the permit held in that slot, 0 if none is held
  private final int[][] held = new int[SemaphoreHarness.THREAD_IDS][SemaphoreHarness.SLOTS];
  private final Request[][] futures =
      new Request[SemaphoreHarness.THREAD_IDS][SemaphoreHarness.SLOTS];

  SemaphoreModel(boolean strict) {
    this.strict = strict;
  }

  /** The model of {@link io.permits.Fairness#STRICT}. */
  public static final class Strict extends SemaphoreModel {
    public Strict() {
      super(true);
    }
  }

  /**
   * The model of {@link io.permits.Fairness#BARGING}, and of {@link io.permits.Fairness#BOUNDED}
   * before its bound has passed.
   */
  public static final class Barging extends SemaphoreModel {
    public Barging() {
      super(false);
    }
  }

  private static final class Request {
    final int permits;
    int assigned;
    String outcome; // null while queued, then "granted" or "not-granted"
    boolean permitClosed; // once granted: the test has closed the permit

    Request(int permits) {
      this.permits = permits;
    }
  }

  // ---------------------------------------------------------------- the counter operations

  public String tryAcquire(int thread, int permits) {
    int slot = freePermitSlot(thread);
    if (slot < 0) {
      return "full";
    }
    if (permits > limit || closed) {
      return "refused";
    }
    if (!mayTake(permits)) {
      return "no";
    }
    available -= permits;
    held[thread][slot] = permits;
    return "ok";
  }

  public boolean release(int thread, int slot) {
    int permits = held[thread][slot];
    if (permits == 0) {
      return false; // empty, or closed already: closing twice does nothing
    }
    held[thread][slot] = 0;
    available += permits;
    distribute();
    return true;
  }

  public void releaseHandedOver(int thread) {
    releaseShared(thread - 1);
  }

  public void releaseShared(int slot) {
    if (slot >= 0 && slot < SemaphoreHarness.SLOTS) {
      release(SemaphoreHarness.INIT_THREAD, slot);
    }
  }

  public int available() {
    return Math.max(0, available);
  }

  public int waiting() {
    return queue.size();
  }

  public void setLimit(int newLimit) {
    boolean shrink = newLimit < limit;
    available += newLimit - limit;
    limit = newLimit;
    if (shrink) {
      for (Iterator<Request> it = queue.iterator(); it.hasNext(); ) {
        Request request = it.next();
        if (request.permits > newLimit) {
          it.remove();
          available += request.assigned;
          request.outcome = "not-granted";
        }
      }
    }
    distribute();
  }

  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    for (Request request : queue) {
      available += request.assigned;
      request.outcome = "not-granted";
    }
    queue.clear();
  }

  // ---------------------------------------------------------------- the queue operations

  public String acquireAsync(int thread, int permits) {
    int slot = freeFutureSlot(thread);
    if (slot < 0) {
      return "full";
    }
    Request request = new Request(permits);
    futures[thread][slot] = request;
    if (permits > limit || closed) {
      request.outcome = "not-granted";
    } else if (mayTake(permits)) {
      available -= permits;
      request.outcome = "granted";
    } else {
      queue.addLast(request);
      distribute();
    }
    return "requested";
  }

  public String cancel(int thread, int slot) {
    Request request = futures[thread][slot];
    if (request == null) {
      return "empty";
    }
    futures[thread][slot] = null;
    return settle(request);
  }

  public String cancelHandedOver(int thread) {
    return cancelShared(thread - 1);
  }

  public String cancelShared(int slot) {
    Request request =
        slot >= 0 && slot < SemaphoreHarness.SLOTS ? futures[SemaphoreHarness.INIT_THREAD][slot] : null;
    return request == null ? "empty" : settle(request);
  }

  private String settle(Request request) {
    if (request.outcome == null) { // still queued: withdrawn, its share goes on to the next
      queue.remove(request);
      available += request.assigned;
      request.outcome = "not-granted";
      distribute();
    } else if (request.outcome.equals("granted") && !request.permitClosed) {
      request.permitClosed = true; // the test closes the permit it was granted
      available += request.permits;
      distribute();
    }
    return request.outcome;
  }

  // ---------------------------------------------------------------- rules

  private boolean mayTake(int permits) {
    return (!strict || queue.isEmpty()) && available >= permits;
  }

  /** Hands free permits to the head of the queue, then to the next head, while they last. */
  private void distribute() {
    while (!queue.isEmpty()) {
      Request head = queue.peekFirst();
      int needed = head.permits - head.assigned;
      if (available >= needed) {
        available -= needed;
        head.assigned = head.permits;
        head.outcome = "granted";
        queue.removeFirst();
      } else if (strict && available > 0) {
        head.assigned += available;
        available = 0;
        return;
      } else {
        return;
      }
    }
  }

  private int freePermitSlot(int thread) {
    for (int slot = 0; slot < SemaphoreHarness.SLOTS; slot++) {
      if (held[thread][slot] == 0) {
        return slot;
      }
    }
    return -1;
  }

  private int freeFutureSlot(int thread) {
    for (int slot = 0; slot < SemaphoreHarness.SLOTS; slot++) {
      if (futures[thread][slot] == null) {
        return slot;
      }
    }
    return -1;
  }
}
