package io.permits.file;

import io.permits.Permit;
import io.permits.SemaphoreClosedException;
import io.permits.file.SlotTable.Attempt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * An asynchronous request of a {@link FileSemaphore}: first the gate's future, then slots,
 * polled for on a timer without a thread waiting.
 *
 * <p>Implementation notes. Every step that touches the file or this request's state (an
 * attempt, the registration of its wake-up, the withdrawal after a cancel or a failure) runs as
 * an operation on the file's one I/O thread, so the steps are serialized without a lock: an
 * attempt first checks whether the request is still open, and a withdrawal, queued after any
 * attempt in flight, sees what that attempt did. At most one timer is pending per request (a
 * wake-up from a local release runs an attempt at once but adds no timer). Nothing that may run
 * a caller's code happens on the I/O thread: the result is completed on a new virtual thread
 * (a continuation may close a permit, which needs the I/O thread), and so is the gate's limit
 * change after a file limit change (it may fail other queued futures). If a cancel wins the race
 * with a grant, completing fails and the permit just made is closed, so exactly one of the two
 * takes effect.
 */
final class AsyncSlotRequest {

  private static final ScheduledExecutorService TIMER =
      Executors.newSingleThreadScheduledExecutor(
          Thread.ofPlatform().daemon().name("permits-file-poll").factory());

  private final FileSemaphore semaphore;
  private final SlotFile file;
  private final SlotRecord request;
  private final CompletableFuture<Permit> result = new CompletableFuture<>();
  private final Polling polling = new Polling();
  private final Runnable wake = this::attemptNow;

  // read and written on the file's I/O thread only, except gatePermit (volatile)
  private volatile @Nullable Permit gatePermit;
  private int waiter = -1;
  private boolean finished;
  private boolean timerPending;

  /** Takes over one use of {@code file}. */
  private AsyncSlotRequest(FileSemaphore semaphore, SlotFile file, SlotRecord request) {
    this.semaphore = semaphore;
    this.file = file;
    this.request = request;
  }

  static CompletableFuture<Permit> start(
      FileSemaphore semaphore,
      SlotFile file,
      SlotRecord request,
      CompletableFuture<Permit> gateFuture) {
    AsyncSlotRequest started = new AsyncSlotRequest(semaphore, file, request);
    // completed by anyone (a cancel, orTimeout, the caller's own complete): withdraw; after
    // this request's own grant, finish() finds it finished and does nothing
    started.result.whenComplete(
        (permit, failure) -> {
          gateFuture.cancel(false);
          started.finish();
        });
    gateFuture.whenComplete(started::gateDone);
    return started.result;
  }

  private void gateDone(@Nullable Permit permit, @Nullable Throwable failure) {
    if (failure != null || permit == null) {
      // inline, on the thread that failed the gate's future (a close, say), as the gate does:
      // the caller sees the request failed when close() returns
      result.completeExceptionally(
          failure != null ? unwrap(failure) : new IllegalStateException("no gate permit"));
      finish();
      return;
    }
    gatePermit = permit;
    if (result.isDone()) {
      permit.close(); // the withdrawal may have run before the gate permit came
      finish();
      return;
    }
    file.submit(
        table -> {
          if (finished) {
            return null; // withdrawn meanwhile; finish() saw no listeners to remove
          }
          file.onRelease(wake);
          semaphore.addLocalWaiter(wake);
          attempt(table);
          return null;
        });
  }

  private void attemptNow() {
    file.submit(
        table -> {
          attempt(table);
          return null;
        });
  }

  private void attemptOnTimer() {
    file.submit(
        table -> {
          timerPending = false;
          attempt(table);
          return null;
        });
  }

  /** One attempt, on the I/O thread; any failure fails the request. */
  private void attempt(SlotTable table) {
    if (finished || result.isDone()) {
      return;
    }
    try {
      Permit gate = gatePermit;
      if (gate == null) { // set before the first attempt is submitted
        throw new IllegalStateException("an attempt before the gate permit came");
      }
      Attempt attempt = table.tryGrant(request.permits(), request, waiter, true);
      int[] slots = attempt.slots();
      if (slots != null) {
        waiter = -1;
        finished = true;
        stopListening();
        completeLater(new FilePermit(gate, file, slots));
        return;
      }
      waiter = attempt.waiter();
      semaphore.adoptLimitLater(attempt.limit(), attempt.limitVersion());
      if (attempt.limit() >= 1 && request.permits() > attempt.limit()) {
        fail(semaphore.impossible(request.permits(), attempt.limit()));
      } else if (semaphore.isClosed()) {
        fail(
            new SemaphoreClosedException(
                "acquireAsync on semaphore '" + semaphore.name() + "', which is closed"));
      } else if (!timerPending) {
        timerPending = true;
        TIMER.schedule(this::attemptOnTimer, polling.next(), TimeUnit.NANOSECONDS);
      }
    } catch (Throwable failure) {
      fail(failure);
    }
  }

  /** Completes the result on a virtual thread; a cancel that got there first closes it. */
  private void completeLater(Permit permit) {
    Thread.startVirtualThread(
        () -> {
          if (!result.complete(permit)) {
            permit.close();
          }
        });
  }

  private void fail(Throwable failure) {
    Thread.startVirtualThread(
        () -> {
          result.completeExceptionally(failure);
          finish();
        });
  }

  /** Withdraws the request: the waiter registration, the gate permit and the use of the file. */
  private void finish() {
    file.submit(
        table -> {
          if (finished) {
            return null;
          }
          finished = true;
          stopListening();
          if (waiter >= 0) {
            int withdrawn = waiter;
            waiter = -1;
            try {
              table.withdraw(withdrawn, request.requestId());
            } catch (java.io.IOException failure) {
              // the lock byte stays held until this JVM ends; the rest must still be undone
            }
          }
          Permit gate = gatePermit;
          if (gate != null) {
            Thread.startVirtualThread(gate::close); // may wake gate waiters: not on this thread
          }
          Thread.startVirtualThread(file::close);
          return null;
        });
  }

  private void stopListening() {
    file.removeReleaseListener(wake);
    semaphore.removeLocalWaiter(wake);
  }

  private static Throwable unwrap(Throwable failure) {
    Throwable cause = failure.getCause();
    if (failure instanceof CompletionException && cause != null) {
      return cause;
    }
    return failure;
  }
}
