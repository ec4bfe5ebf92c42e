package io.permits.backend;

import java.time.Duration;

/** Timeouts as backends use them. For backend implementations, not for applications. */
public final class Timeouts {

  private Timeouts() {}

  /**
   * A timeout in nanoseconds, at least 0, and at most half of {@code Long.MAX_VALUE} so that
   * {@code System.nanoTime()} plus it does not overflow (a timeout of centuries waits forever).
   *
   * @param timeout the timeout
   * @return its nanoseconds, clamped
   */
  public static long saturatedNanos(Duration timeout) {
    try {
      return Math.min(Long.MAX_VALUE / 2, Math.max(0, timeout.toNanos()));
    } catch (ArithmeticException tooLong) {
      return Long.MAX_VALUE / 2;
    }
  }
}
