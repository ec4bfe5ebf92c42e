package io.permits;

/** Formats nanoseconds for messages: "850 µs", "12.3 ms", "5.01 s". */
final class Durations {
  private Durations() {}

  static String format(long nanos) {
    if (nanos < 1_000L) {
      return nanos + " ns";
    }
    if (nanos < 1_000_000L) {
      return String.format(java.util.Locale.ROOT, "%.3g µs", nanos / 1e3);
    }
    if (nanos < 1_000_000_000L) {
      return String.format(java.util.Locale.ROOT, "%.3g ms", nanos / 1e6);
    }
    return String.format(java.util.Locale.ROOT, "%.3g s", nanos / 1e9);
  }
}
