package io.permits.redis;

import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Waits for a future without giving up on an interrupt, which is kept for the caller: a reply
 * from Redis (a grant above all) must never be dropped because the waiting thread was
 * interrupted.
 */
final class Uninterruptibly {

  private Uninterruptibly() {}

  /**
   * The future's value, waited for through interrupts (the thread's interrupt status is set again
   * before returning or throwing).
   *
   * @throws ExecutionException if the future failed
   */
  static <T> T get(Future<T> future) throws ExecutionException {
    try {
      return waitFor(future::get);
    } catch (TimeoutException cannotHappen) {
      throw new AssertionError(cannotHappen);
    }
  }

  /**
   * Like {@link #get(Future)}, for at most {@code patience}.
   *
   * @throws ExecutionException if the future failed
   * @throws TimeoutException if it did not complete within {@code patience}
   */
  static <T> T get(Future<T> future, Duration patience)
      throws ExecutionException, TimeoutException {
    long deadline = System.nanoTime() + patience.toNanos();
    return waitFor(() -> future.get(deadline - System.nanoTime(), TimeUnit.NANOSECONDS));
  }

  /** One interruptible wait of a future. */
  private interface Wait<T> {
    T get() throws InterruptedException, ExecutionException, TimeoutException;
  }

  /** Repeats the wait after each interrupt, then sets the interrupt status again. */
  private static <T> T waitFor(Wait<T> wait) throws ExecutionException, TimeoutException {
    boolean interrupted = false;
    try {
      while (true) {
        try {
          return wait.get();
        } catch (InterruptedException e) {
          interrupted = true;
        }
      }
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
