package io.permits;

import java.math.BigDecimal;
import java.math.MathContext;

/** Formats nanoseconds for messages, to three significant digits: "850 ns", "12.3 ms", "5.01 s". */
final class Durations {
  private Durations() {}

  private static final MathContext THREE_DIGITS = new MathContext(3);

  static String format(long nanos) {
    if (nanos < 1_000L) {
      return nanos + " ns";
    }
    if (nanos < 1_000_000L) {
      return scaled(nanos, 3) + " µs";
    }
    if (nanos < 1_000_000_000L) {
      return scaled(nanos, 6) + " ms";
    }
    return scaled(nanos, 9) + " s";
  }

  /** {@code nanos / 10^scale} to three significant digits, never in exponent form. */
  private static String scaled(long nanos, int scale) {
    return BigDecimal.valueOf(nanos, scale).round(THREE_DIGITS).toPlainString();
  }
}
