package io.permits.redis;

import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;

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
    boolean interrupted = false;
    try {
      while (true) {
        try {
          return future.get();
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

  /**
   * Like {@link #get(Future)}, for at most {@code patience}.
   *
   * @throws ExecutionException if the future failed
   * @throws java.util.concurrent.TimeoutException if it did not complete within {@code patience}
   */
  static <T> T get(Future<T> future, java.time.Duration patience)
      throws ExecutionException, java.util.concurrent.TimeoutException {
    long deadline = System.nanoTime() + patience.toNanos();
    boolean interrupted = false;
    try {
      while (true) {
        try {
          return future.get(deadline - System.nanoTime(), java.util.concurrent.TimeUnit.NANOSECONDS);
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
