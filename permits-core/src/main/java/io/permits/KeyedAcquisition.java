package io.permits;

import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;

/**
 * An asynchronous request of a {@link KeyedSemaphore} that could not be granted at once: the key's
 * future, then the total's, with no thread waiting.
 */
final class KeyedAcquisition<K> {

  /*
   * Implementation notes. stage is the future of the level the request waits at now. Completing
   * the caller's result by any means (cancel, orTimeout, complete) cancels the current stage; a
   * stage is cancelled again if it was stored after that (the result is checked after the store).
   * A stage that completes with a permit after the result was completed finds it done and closes
   * the permit, so exactly one of grant and withdrawal takes effect, and the key's permits go back
   * before the request leaves its key. ended guards the once-only end: statistics, the waiting
   * count and leaving the key.
   */

  private final PerKeySemaphores<K> owner;
  private final K key;
  private final PerKeySemaphores.KeyEntry entry;
  private final int permits;
  private final long start = System.nanoTime();
  private final CompletableFuture<Permit> result = new CompletableFuture<>();
  private final AtomicBoolean ended = new AtomicBoolean();
  private volatile @Nullable CompletableFuture<Permit> stage;

  KeyedAcquisition(PerKeySemaphores<K> owner, K key, PerKeySemaphores.KeyEntry entry, int permits) {
    this.owner = owner;
    this.key = key;
    this.entry = entry;
    this.permits = permits;
  }

  CompletableFuture<Permit> start() {
    owner.startedWaiting(entry);
    result.whenComplete((permit, failure) -> cancelStage());
    CompletableFuture<Permit> next;
    try {
      next = entry.semaphore.acquireAsync(permits);
    } catch (RuntimeException tooLarge) { // a shrink since the check
      end(outcomeOf(tooLarge), null);
      throw tooLarge;
    }
    waitFor(next);
    next.whenComplete(
        (own, failure) -> {
          if (failure != null || own == null) {
            fail(failure, null);
          } else {
            ownGranted(own);
          }
        });
    return result;
  }

  private void ownGranted(Permit own) {
    Semaphore all = owner.total();
    if (all == null) {
      grant(own, null);
      return;
    }
    if (result.isDone()) { // withdrawn while the key's permits came
      own.close();
      end(Outcome.CANCELLED, null);
      return;
    }
    CompletableFuture<Permit> next;
    try {
      next = all.acquireAsync(permits);
    } catch (RuntimeException failure) { // a shrink of the total since the check
      fail(failure, own);
      return;
    }
    entry.atTotal.incrementAndGet();
    waitFor(next);
    next.whenComplete(
        (shared, failure) -> {
          entry.atTotal.decrementAndGet();
          if (failure != null || shared == null) {
            fail(failure, own);
          } else {
            grant(own, shared);
          }
        });
  }

  private void waitFor(CompletableFuture<Permit> next) {
    stage = next;
    if (result.isDone()) { // completed before the store: cancelStage() may have missed it
      next.cancel(false);
    }
  }

  /** The request failed at a level; the key's permits (if it had them) go back first. */
  private void fail(@Nullable Throwable failure, @Nullable Permit own) {
    if (own != null) {
      own.close();
    }
    Throwable cause =
        failure != null ? unwrap(failure) : new IllegalStateException("a stage gave no permit");
    end(outcomeOf(cause), null);
    result.completeExceptionally(cause);
  }

  private void grant(Permit own, @Nullable Permit shared) {
    if (result.isDone()) {
      if (shared != null) {
        shared.close();
      }
      own.close();
      end(Outcome.CANCELLED, null);
      return;
    }
    long waited = System.nanoTime() - start;
    end(Outcome.GRANTED, waited);
    Permit permit = owner.granted(key, entry, own, shared, waited);
    if (!result.complete(permit)) { // a cancel won the race after all: it is closed, not lost
      permit.close();
    }
  }

  private void end(Outcome outcome, @Nullable Long waitedNanos) {
    if (!ended.compareAndSet(false, true)) {
      return;
    }
    owner.stoppedWaiting(entry);
    long waited = waitedNanos != null ? waitedNanos : System.nanoTime() - start;
    if (outcome == Outcome.GRANTED) {
      owner.waited(waited);
    } else {
      owner.gaveUp(outcome, permits, waited);
      owner.leave(key, entry);
    }
  }

  private void cancelStage() {
    CompletableFuture<Permit> current = stage;
    if (current != null) {
      current.cancel(false);
    }
  }

  private static Outcome outcomeOf(Throwable failure) {
    Throwable cause = unwrap(failure);
    if (cause instanceof CancellationException) {
      return Outcome.CANCELLED;
    } else if (cause instanceof SemaphoreClosedException) {
      return Outcome.CLOSED;
    } else if (cause instanceof IllegalArgumentException) {
      return Outcome.TOO_LARGE;
    }
    return Outcome.CANCELLED;
  }

  private static Throwable unwrap(Throwable failure) {
    Throwable cause = failure.getCause();
    return failure instanceof CompletionException && cause != null ? cause : failure;
  }
}
