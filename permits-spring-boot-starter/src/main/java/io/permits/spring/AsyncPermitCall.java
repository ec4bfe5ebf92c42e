package io.permits.spring;

import io.permits.Permit;
import io.permits.Semaphore;
import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * The asynchronous path of {@link Permits @Permits}: a method that returns a future waits for its
 * permits without a thread, runs once they are granted, and gives them back when its own future
 * completes.
 */
final class AsyncPermitCall {

  /*
   * Implementation notes.
   *
   * The request is semaphore.acquireAsync(permits), bounded by request.orTimeout(maxWait): the
   * timer and the semaphore both try to complete the same future, and a CompletableFuture takes
   * only the first completion. The semaphore's contract (Semaphore.acquireAsync) is that a grant
   * which finds its future already completed gives its permits back before anyone sees them.
   * Invariant: exactly one of grant and timeout wins; settle() sees either a permit, which this
   * call then owns, or a TimeoutException, and then nothing is held. A permit "won after the
   * timeout" never reaches this class: the semaphore closes it.
   *
   * An owned permit is closed exactly once, on one of three paths: the method threw or returned
   * something that is not a stage (closed at once); the method's stage completed (closed before
   * the result is completed, so that a dependent that asks again finds it free); or the caller had
   * already cancelled the result when the grant arrived (closed without running the method).
   *
   * The caller's future (result) is made here, so cancelling it works before the method runs: it
   * cancels the request (withdrawn from the queue; if the grant won the race, settle() finds the
   * result done and closes the permit). After the method ran, cancelling it cancels the method's
   * future, if that is a Future; its completion closes the permit.
   *
   * Threads. A permit free at once is taken and the method runs on the caller's thread, as it
   * would without the annotation. A request that waited is settled on the executor (a new virtual
   * thread by default): never on the thread that released the permit or on the timer's thread,
   * which must not run the application's code. No thread waits for the permit.
   */

  /** The method, called when the permits are granted. */
  @FunctionalInterface
  interface Method {
    @Nullable Object proceed() throws Throwable;
  }

  private final CompletableFuture<Object> result = new CompletableFuture<>();
  private final Method method;
  private final Supplier<? extends RuntimeException> rejection;

  private AsyncPermitCall(Method method, Supplier<? extends RuntimeException> rejection) {
    this.method = method;
    this.rejection = rejection;
  }

  /**
   * Requests the permits and returns the future the caller gets.
   *
   * @param semaphore where the permits come from
   * @param permits how many
   * @param maxWait the longest wait
   * @param method the method to run with the permits
   * @param rejection the failure of a call that found no permit in time
   * @param executor runs the method when the permits came after a wait
   * @return the caller's future: the method's result, or a failure
   */
  static CompletableFuture<Object> start(
      Semaphore semaphore,
      int permits,
      Duration maxWait,
      Method method,
      Supplier<? extends RuntimeException> rejection,
      Executor executor) {
    AsyncPermitCall call = new AsyncPermitCall(method, rejection);
    CompletableFuture<Permit> request = semaphore.acquireAsync(permits);
    CompletableFuture<?> unused =
        call.result.whenComplete((value, failure) -> request.cancel(false)); // no-op once settled
    if (request.isDone()) { // granted (or failed) at once: on the caller's thread
      call.settle(request);
      return call.result;
    }
    unused = request.orTimeout(saturatedNanos(maxWait), TimeUnit.NANOSECONDS);
    unused = request.whenComplete(
        (permit, failure) -> {
          try {
            executor.execute(() -> call.settle(request));
          } catch (RejectedExecutionException shuttingDown) {
            call.settle(request);
          }
        });
    return call.result;
  }

  private void settle(CompletableFuture<Permit> request) {
    Permit permit;
    try {
      permit = request.join();
    } catch (CompletionException | CancellationException failed) {
      Throwable cause = failed instanceof CompletionException && failed.getCause() != null
          ? failed.getCause()
          : failed;
      if (cause instanceof TimeoutException) {
        result.completeExceptionally(rejection.get());
      } else if (!(cause instanceof CancellationException)) { // cancelled: the caller gave up
        result.completeExceptionally(cause);
      }
      return;
    }
    run(permit);
  }

  private void run(Permit permit) {
    if (result.isDone()) { // the caller cancelled it while the grant was on its way
      permit.close();
      return;
    }
    Object returned;
    try {
      returned = method.proceed();
    } catch (Throwable failed) {
      permit.close();
      result.completeExceptionally(failed);
      return;
    }
    if (!(returned instanceof CompletionStage<?> stage)) { // null
      permit.close();
      result.complete(returned);
      return;
    }
    CompletionStage<?> unused = stage.whenComplete(
        (value, failure) -> {
          permit.close();
          if (failure != null) {
            result.completeExceptionally(failure);
          } else {
            result.complete(value);
          }
        });
    if (stage instanceof Future<?> future) {
      unused = result.whenComplete(
          (value, failure) -> {
            if (result.isCancelled()) {
              future.cancel(false);
            }
          });
    }
  }

  private static long saturatedNanos(Duration duration) {
    try {
      return duration.toNanos();
    } catch (ArithmeticException tooLong) {
      return Long.MAX_VALUE;
    }
  }
}
