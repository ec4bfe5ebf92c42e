package io.permits;

import java.util.concurrent.CompletableFuture;

/**
 * The future returned by {@link LocalSemaphore#acquireAsync(int)}. Completing it in any way
 * other than by a grant (cancel, complete, completeExceptionally, orTimeout) withdraws the
 * request through the semaphore's one abandon path; a grant that arrives after that closes its
 * permit at once. Dependent stages are plain {@link CompletableFuture}s.
 */
final class AcquireFuture extends CompletableFuture<Permit> {
  final LocalSync sync;
  LocalSync.Node node; // set once, before the request is queued

  AcquireFuture(LocalSync sync) {
    this.sync = sync;
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
    boolean cancelled = super.cancel(mayInterruptIfRunning);
    if (cancelled) {
      sync.withdraw(node);
    }
    return cancelled;
  }

  @Override
  public boolean complete(Permit value) {
    boolean completed = super.complete(value);
    if (completed) {
      sync.withdraw(node);
    }
    return completed;
  }

  @Override
  public boolean completeExceptionally(Throwable failure) {
    boolean completed = super.completeExceptionally(failure);
    if (completed) {
      sync.withdraw(node);
    }
    return completed;
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
