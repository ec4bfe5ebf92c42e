package io.permits;

import java.util.concurrent.CountDownLatch;
import java.util.function.BooleanSupplier;

/** Waiting helpers for the core's tests, which bound every wait by their {@code @Timeout}. */
public final class Waits {

  private Waits() {}

  /**
   * Polls until {@code condition} holds; an interrupt (from {@code @Timeout}) ends the wait.
   *
   * @param condition what to wait for
   */
  public static void awaitTrue(BooleanSupplier condition) {
    while (!condition.getAsBoolean()) {
      if (Thread.currentThread().isInterrupted()) {
        throw new AssertionError("interrupted while polling");
      }
      Thread.onSpinWait();
      Thread.yield();
    }
  }

  /**
   * Waits for {@code latch} through interrupts, then restores the interrupt status.
   *
   * @param latch what to wait for
   */
  public static void awaitUninterruptibly(CountDownLatch latch) {
    boolean interrupted = false;
    while (true) {
      try {
        latch.await();
        break;
      } catch (InterruptedException ignored) {
        interrupted = true;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }
}
