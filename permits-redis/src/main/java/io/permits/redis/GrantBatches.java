package io.permits.redis;

import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Sends the hand-over scripts of closing leases ({@link Handoffs}), several in one script when
 * leases close while one is on its way.
 *
 * <p>Implementation notes. At most one batch is in flight per semaphore. A hand-over submitted
 * while none is goes at once; those submitted meanwhile wait in {@code unsent} and go together,
 * in one acquire script with several requests, when its reply is in. Under contention (many
 * threads on few permits, where every close hands over) this divides the per-script costs — the
 * client's encoding and I/O-thread work, the server's script overhead — among the pairs of a
 * batch. When a reply comes in, the next batch is sent before the replied one's grants are
 * completed, so it is on the wire while their waiters wake. One batch in flight measured fastest
 * (16 threads on 4 permits, 2026-12-02: about 19,000 pairs/s with one, 15,000–18,000 with two,
 * 11,500 with four): more batches mean more, smaller scripts, and the client's I/O thread, the
 * kernel's loopback and redis-server together nearly fill the two cores. Invariants: each
 * submitted grant is sent exactly once (queue poll), its {@code sent} future completes once its
 * script has been written (or failed to be), and its reply completes with its four values of the
 * batch's reply or with the batch's failure; {@code sending} is cleared before the next look at
 * the queue, so a grant submitted while a batch completes is sent by one of the two; a batch's
 * {@code done} completes after its grants and after the previous batch's {@code done}.
 *
 * <p>The linger. With one batch in flight, the holders a reply wakes close their leases while the
 * next batch is already on its way, so their hand-overs wait for the one after: the limit's
 * permits split between two alternating batches (16 threads on 4 permits: ~2.2 hand-overs a
 * script). When leases are typically held briefly (under {@link #LINGER_HOLD_NANOS}, an average
 * of recent holds), a reply instead holds the next batch back until as many leases have closed
 * as it granted — the holders it woke, in the common case — so that their hand-overs ride with
 * it: ~4.4 a script, each script costing the server ~70 % of its time for one hand-over whatever
 * it carries. The timer sends a lingering batch after at most about a millisecond (a woken holder
 * that was descheduled, or a grant nobody claimed). Longer holds do not linger: waiting for them
 * would delay the releases already waiting. {@code awaited} counts down the closes the next batch
 * waits for (any lease's close counts); the close that brings it to zero sends.
 */
final class GrantBatches {

  /** Sends one acquire script for the given requests and releases. */
  interface Sender {
    CompletableFuture<List<Object>> send(List<String> idsAndPermits, List<String> releaseIds);
  }

  private record Item(Handoffs.Pending grant, String releaseId) {}

  /** Leases held longer than this on average (recent holds) do not make the next batch linger. */
  static final long LINGER_HOLD_NANOS = TimeUnit.MICROSECONDS.toNanos(50);

  /** A lingering batch older than this is sent by the timer's next look (every millisecond). */
  static final long LINGER_MAX_NANOS = TimeUnit.MICROSECONDS.toNanos(200);

  private static final long CHECK_MILLIS = 1;

  private final Queue<Item> unsent = new ConcurrentLinkedQueue<>();
  private final AtomicBoolean sending = new AtomicBoolean();
  private final Sender sender;
  private final ScheduledExecutorService timer;
  private volatile CompletableFuture<Void> inFlight = CompletableFuture.completedFuture(null);
  private final AtomicInteger awaited = new AtomicInteger(); // closes the next batch waits for
  private volatile long lingerSince;
  private final AtomicBoolean checkArmed = new AtomicBoolean();
  private volatile long typicalHoldNanos = LINGER_HOLD_NANOS; // an average of recent holds
  private volatile boolean lingerStopped;

  /**
   * @param sender sends a batch's script
   * @param timer sends a batch that lingered too long
   */
  GrantBatches(Sender sender, ScheduledExecutorService timer) {
    this.sender = sender;
    this.timer = timer;
  }

  /**
   * Sends, now or with the next batch, the script that releases {@code releaseId} and grants;
   * {@code heldNanos}: how long the closed lease was held.
   */
  void submit(Handoffs.Pending grant, String releaseId, long heldNanos) {
    unsent.add(new Item(grant, releaseId));
    leaseClosed(heldNanos);
  }

  /** A lease of this semaphore closed after {@code heldNanos}, handed over or not. */
  void leaseClosed(long heldNanos) {
    long typical = typicalHoldNanos;
    typicalHoldNanos = typical + (heldNanos - typical) / 8; // racy: an estimate
    for (int left = awaited.get(); left > 0; left = awaited.get()) {
      if (awaited.compareAndSet(left, left - 1)) {
        if (left > 1) {
          return; // the batch lingers for more
        }
        break;
      }
    }
    flush();
  }

  /** The semaphore closes: what waits goes now, and no batch lingers any more. */
  void stopLingering() {
    lingerStopped = true;
    flushNow();
  }

  private void flushNow() {
    awaited.set(0);
    flush();
  }

  private void armCheck() {
    if (checkArmed.compareAndSet(false, true)) {
      timer.schedule(this::check, CHECK_MILLIS, TimeUnit.MILLISECONDS);
    }
  }

  private void check() {
    checkArmed.set(false);
    if (awaited.get() > 0) {
      if (System.nanoTime() - lingerSince >= LINGER_MAX_NANOS) {
        flushNow();
      } else {
        armCheck();
      }
    }
  }

  /**
   * Waits until every grant submitted before this call has its reply (at most two round trips),
   * so that a script sent next runs after them and the gate permits they pass on are back: a
   * count read right after the last lease closed must see everything free (the TCK's count after
   * a thousand virtual threads cycled found 43 permits still on their way when it waited only
   * for the grants to be written).
   */
  void awaitSettled() {
    do {
      try {
        // the newest batch taken: the replies of those before it were handled before its own
        Uninterruptibly.get(inFlight);
      } catch (java.util.concurrent.ExecutionException cannotHappen) {
        // completed normally, always
      }
      flush();
      Thread.onSpinWait(); // a batch just taken may not have published its future yet
    } while (!unsent.isEmpty() || sending.get());
  }

  /** How many requests of a batch's reply were granted (four values each, see acquire.lua). */
  private static int grantsIn(List<Object> values) {
    int granted = 0;
    for (int at = 0; at < values.size(); at += 4) {
      if (values.get(at) instanceof Long code && code == 1) {
        granted++;
      }
    }
    return granted;
  }

  private void flush() {
    while (!unsent.isEmpty() && sending.compareAndSet(false, true)) {
      List<Item> batch = new ArrayList<>();
      for (Item item; (item = unsent.poll()) != null; ) {
        batch.add(item);
      }
      if (batch.isEmpty()) {
        sending.set(false);
        continue;
      }
      CompletableFuture<Void> previous = inFlight;
      CompletableFuture<Void> done = new CompletableFuture<>();
      inFlight = done;
      List<String> idsAndPermits = new ArrayList<>(batch.size() * 2);
      List<String> releaseIds = new ArrayList<>(batch.size());
      for (Item item : batch) {
        idsAndPermits.add(item.grant().id());
        idsAndPermits.add(Integer.toString(item.grant().permits()));
        releaseIds.add(item.releaseId());
      }
      CompletableFuture<List<Object>> reply;
      try {
        reply = sender.send(idsAndPermits, releaseIds);
      } catch (RuntimeException failed) {
        reply = CompletableFuture.failedFuture(failed);
      }
      for (Item item : batch) {
        item.grant().sent().complete(null);
      }
      reply.whenComplete(
          (values, failure) -> {
            sending.set(false);
            int granted = failure == null ? grantsIn(values) : 0;
            if (granted > 0 && typicalHoldNanos < LINGER_HOLD_NANOS && !lingerStopped) {
              // the next batch waits for the holders this one wakes (see the linger, above)
              lingerSince = System.nanoTime();
              awaited.set(granted);
              armCheck();
            } else {
              // the next batch goes first: it is on the wire while this one's waiters wake
              awaited.set(0);
              flush();
            }
            for (int i = 0; i < batch.size(); i++) {
              CompletableFuture<List<Object>> one = batch.get(i).grant().reply();
              if (failure == null) {
                one.complete(values.subList(4 * i, 4 * i + 4));
              } else {
                one.completeExceptionally(failure);
              }
            }
            // after the grants, and after the batch before (whose grants may still be completing
            // when a reply fails at once): a settled batch means all before it are too
            previous.whenComplete((ignored, never) -> done.complete(null));
          });
      return;
    }
  }
}
