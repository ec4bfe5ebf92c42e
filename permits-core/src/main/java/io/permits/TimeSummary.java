package io.permits;

import java.time.Duration;

/**
 * Count, total and maximum of a set of durations, such as the waits of the requests a semaphore
 * granted or the times its permits were held ({@link SemaphoreStats#waitTime()}, {@link
 * SemaphoreStats#holdTime()}).
 *
 * @param count how many durations were recorded
 * @param totalNanos their sum, in nanoseconds
 * @param maxNanos the longest, in nanoseconds (0 if none)
 */
public record TimeSummary(long count, long totalNanos, long maxNanos) {

  /** A summary of nothing. */
  public static final TimeSummary EMPTY = new TimeSummary(0, 0, 0);

  /**
   * The sum of the durations.
   *
   * @return the total
   */
  public Duration total() {
    return Duration.ofNanos(totalNanos);
  }

  /**
   * The longest duration.
   *
   * @return the maximum, or zero if none was recorded
   */
  public Duration max() {
    return Duration.ofNanos(maxNanos);
  }

  /**
   * The mean duration.
   *
   * @return {@code total / count}, or zero if none was recorded
   */
  public Duration mean() {
    return count == 0 ? Duration.ZERO : Duration.ofNanos(totalNanos / count);
  }
}
