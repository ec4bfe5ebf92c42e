package io.permits;

import java.util.concurrent.CompletableFuture;

/**
 * The future returned by {@link LocalSemaphore#acquireAsync(int)}. Completing it in any way
 * other than by a grant (cancel, complete, completeExceptionally, orTimeout) first withdraws the
 * request through the semaphore's one abandon path, then completes the future, so dependent
 * stages already see the request gone and its permits passed on. If the request was already
 * granted (or failed) under the semaphore's lock, that decision is delivered first and the
 * caller's completion returns false: a {@code cancel()} never undoes a grant that other threads
 * may already have observed. Dependent stages are plain {@link
 * CompletableFuture}s.
 */
final class AcquireFuture extends CompletableFuture<Permit> {
  final LocalSync sync;
  final LocalSync.Node node; // the queued request, made with its future

  AcquireFuture(LocalSync sync, int permits) {
    this.sync = sync;
    this.node = new LocalSync.Node(permits, null, this);
  }

  /** Completes with a granted permit; false if the caller completed the future first. */
  boolean grant(Permit permit) {
    return super.complete(permit);
  }

  /** Fails the request (semaphore closed, or the limit shrank below it). */
  boolean fail(Throwable failure) {
    return super.completeExceptionally(failure);
  }

  @Override
  public boolean cancel(boolean mayInterruptIfRunning) {
    if (!isDone()) {
      sync.withdraw(this); // first, so that dependent stages see the request gone
    }
    return super.cancel(mayInterruptIfRunning);
  }


  @Override
  public boolean complete(Permit value) {
    if (!isDone()) {
      sync.withdraw(this); // first, so that dependent stages see the request gone
    }
    return super.complete(value);
  }


  @Override
  public boolean completeExceptionally(Throwable failure) {
    if (!isDone()) {
      sync.withdraw(this); // first, so that dependent stages see the request gone
    }
    return super.completeExceptionally(failure);
  }


  /**
   * Refused: replacing a granted permit would lose it.
   *
   * @throws UnsupportedOperationException always
   */
  @Override
  public void obtrudeValue(Permit value) {
    throw new UnsupportedOperationException("obtrudeValue would lose a granted permit");
  }

  /**
   * Refused: replacing a granted permit would lose it.
   *
   * @throws UnsupportedOperationException always
   */
  @Override
  public void obtrudeException(Throwable failure) {
    throw new UnsupportedOperationException("obtrudeException would lose a granted permit");
  }
}
