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
 * A request of a {@link FileSemaphore} for slots held by other processes (or other semaphores on
 * the same file in this JVM): first the gate's future, then slots, polled for on a timer without a
 * thread waiting. The one wait of the file backend: an asynchronous request returns its future, a
 * blocking one waits for it ({@link #await}).
 */
final class AsyncSlotRequest {

  /*
   * Implementation notes. Every step that touches the file or this request's state (an attempt, the
   * registration of its wake-up, the withdrawal after a cancel or a failure) runs as an operation
   * on the file's one I/O thread, so the steps are serialized without a lock: an attempt first
   * checks whether the request is still open, and a withdrawal, queued after any attempt in flight,
   * sees what that attempt did. At most one timer is pending per request (a wake-up from a local
   * release runs an attempt at once but adds no timer). Nothing that may run a caller's code
   * happens on the I/O thread: the result is completed on a new virtual thread (a continuation may
   * close a permit, which needs the I/O thread), and so is the gate's limit change after a file
   * limit change (it may fail other queued futures). If a cancel wins the race with a grant,
   * completing fails and the permit just made is closed, so exactly one of the two takes effect.
   *
   * A blocking request is the same request with its gate permit already taken: its thread waits for
   * the result (after the first attempt, so that a free permit is taken even with no time left to
   * wait); a timeout or an interrupt cancels the result, and the thread waits until the withdrawal
   * has run (the registration withdrawn, the gate permit and the file let go) before its caller
   * hears. There is no cross-process wake-up (a process that dies cannot send one, and a file
   * lock's release makes no file-change event), so every request polls (Polling: 1 ms doubling to
   * 25 ms); a release in this JVM, a limit change and close() make it attempt at once.
   */

  private static final ScheduledExecutorService TIMER =
      Executors.newSingleThreadScheduledExecutor(
          Thread.ofPlatform().daemon().name("permits-file-poll").factory());

  private final FileSemaphore semaphore;
  private final SlotFile file;
  private final SlotRecord request;
  private final String operation; // the caller's method, for messages
  private final CompletableFuture<Permit> result = new CompletableFuture<>();
  private final CompletableFuture<Void> undone = new CompletableFuture<>(); // withdrawn, let go
  // the first attempt was made, and the result completed if it settled the request
  private final CompletableFuture<Void> attempted = new CompletableFuture<>();
  private final Polling polling = new Polling();
  private final Runnable wake = this::attemptNow;

  // read and written on the file's I/O thread only, except gatePermit (volatile)
  private volatile @Nullable Permit gatePermit;
  private int waiter = -1;
  private boolean finished;
  private boolean timerPending;

  /** Takes over one use of {@code file}. */
  private AsyncSlotRequest(
      FileSemaphore semaphore, SlotFile file, SlotRecord request, String operation) {
    this.semaphore = semaphore;
    this.file = file;
    this.request = request;
    this.operation = operation;
  }

  static CompletableFuture<Permit> start(
      FileSemaphore semaphore,
      SlotFile file,
      SlotRecord request,
      CompletableFuture<Permit> gateFuture) {
    return begin(semaphore, file, request, gateFuture, "acquireAsync").result;
  }

  /**
   * A blocking request's wait for slots, its gate permit taken: until the slots are granted, the
   * deadline passes (if {@code timed}), the thread is interrupted or the semaphore closes. A
   * request that gives up is withdrawn (its registration, its gate permit, its use of the file)
   * before this returns; if a grant won the race with the give-up, the grant stands.
   *
   * @param deadline a {@link System#nanoTime()} deadline, used only if {@code timed}
   * @return the permit, or null if the deadline passed
   */
  static @Nullable Permit await(
      FileSemaphore semaphore,
      SlotFile file,
      SlotRecord request,
      Permit gatePermit,
      boolean timed,
      long deadline)
      throws InterruptedException {
    AsyncSlotRequest started =
        begin(semaphore, file, request, CompletableFuture.completedFuture(gatePermit), "acquire");
    try {
      if (timed) { // a free permit is taken even with no time left to wait: attempt first
        started.attempted.join();
      }
      return timed
          ? started.result.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)
          : started.result.get();
    } catch (InterruptedException | java.util.concurrent.TimeoutException gaveUp) {
      if (!started.result.cancel(false)) { // granted or failed first: that stands
        if (gaveUp instanceof InterruptedException) {
          Thread.currentThread().interrupt();
        }
        return started.settled();
      }
      started.undone.join(); // withdrawn, gate permit closed, before the caller hears
      if (gaveUp instanceof InterruptedException interrupted) {
        throw interrupted;
      }
      return null;
    } catch (java.util.concurrent.ExecutionException failed) {
      return started.settled();
    }
  }

  /**
   * The outcome of a completed result as a blocking caller hears it: the permit, or the failure
   * itself (not wrapped) once the request has been withdrawn.
   */
  private Permit settled() {
    try {
      return result.join();
    } catch (CompletionException failed) {
      undone.join();
      Throwable cause = unwrap(failed);
      throw cause instanceof RuntimeException runtime ? runtime : new IllegalStateException(cause);
    }
  }

  private static AsyncSlotRequest begin(
      FileSemaphore semaphore,
      SlotFile file,
      SlotRecord request,
      CompletableFuture<Permit> gateFuture,
      String operation) {
    AsyncSlotRequest started = new AsyncSlotRequest(semaphore, file, request, operation);
    // completed by anyone (a cancel, orTimeout, the caller's own complete): withdraw; after
    // this request's own grant, finish() finds it finished and does nothing
    started.result.whenComplete(
        (permit, failure) -> {
          gateFuture.cancel(false);
          started.finish();
        });
    gateFuture.whenComplete(started::gateDone);
    return started;
  }

  private void gateDone(@Nullable Permit permit, @Nullable Throwable failure) {
    if (failure != null || permit == null) {
      // inline, on the thread that failed the gate's future (a close, say), as the gate does:
      // the caller sees the request failed when close() returns
      result.completeExceptionally(
          failure != null ? unwrap(failure) : new IllegalStateException("no gate permit"));
      attempted.complete(null);
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
                operation + " on semaphore '" + semaphore.name() + "', which is closed"));
      } else {
        attempted.complete(null); // registered, and waits
        if (!timerPending) {
          timerPending = true;
          TIMER.schedule(this::attemptOnTimer, polling.next(), TimeUnit.NANOSECONDS);
        }
      }
    } catch (Throwable failure) {
      fail(failure);
    }
  }

  /** Completes the result on a virtual thread; a cancel that got there first closes it. */
  private void completeLater(Permit permit) {
    Thread.startVirtualThread(
        () -> {
          if (!result.complete(permit)) { // a cancel got there first
            try {
              permit.close();
            } finally {
              undone.complete(null);
            }
          }
          attempted.complete(null);
        });
  }

  private void fail(Throwable failure) {
    Thread.startVirtualThread(
        () -> {
          result.completeExceptionally(failure);
          attempted.complete(null);
          finish();
        });
  }

  /** Withdraws the request: the waiter registration, the gate permit and the use of the file. */
  private void finish() {
    file.submit(
        table -> {
          attempted.complete(null); // no attempt comes after this
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
          Thread.startVirtualThread( // may wake gate waiters, and uses this thread: not on it
              () -> {
                try {
                  if (gate != null) {
                    gate.close();
                  }
                  file.close();
                } finally {
                  undone.complete(null);
                }
              });
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
