package io.permits.bench;

import java.util.List;
import java.util.Locale;

/**
 * One measured figure and its spread: a JMH score with its 99.9% error, or the mean of a driver's
 * iterations with their minimum and maximum.
 *
 * @param mean the score, or the mean over iterations
 * @param error JMH's 99.9% confidence half-width, or NaN when the spread is a range
 * @param min the lowest iteration
 * @param max the highest iteration
 * @param lowerBound true if the figure is a lower bound (a starved wait cut short by the stop)
 */
record Measure(double mean, double error, double min, double max, boolean lowerBound) {

  /** A JMH score: mean, 99.9% error, and the range over iterations. */
  static Measure jmh(double score, double error, double min, double max) {
    return new Measure(score, error, min, max, false);
  }

  /** The mean of the given iteration values, with their range. */
  static Measure ofIterations(List<Double> values, boolean lowerBound) {
    double sum = 0;
    double min = Double.POSITIVE_INFINITY;
    double max = Double.NEGATIVE_INFINITY;
    for (double value : values) {
      sum += value;
      min = Math.min(min, value);
      max = Math.max(max, value);
    }
    return new Measure(sum / values.size(), Double.NaN, min, max, lowerBound);
  }

  /**
   * The worst of the given iteration values (a worst wait over the whole run), with their range.
   */
  static Measure worstOf(List<Double> values, boolean lowerBound) {
    Measure all = ofIterations(values, lowerBound);
    return new Measure(all.max, Double.NaN, all.min, all.max, lowerBound);
  }

  /** {@code f(this)} for a decreasing {@code f} such as {@code pairs / time}: range flips. */
  Measure inverted(double numerator) {
    double e = Double.isNaN(error) ? Double.NaN : numerator * error / (mean * mean);
    return new Measure(numerator / mean, e, numerator / max, numerator / min, lowerBound);
  }

  // ---------------------------------------------------------------- formatting

  /** E.g. {@code "12.3 ± 0.4"} (JMH) or {@code "12.3 (11.9–12.8)"} (range). */
  String format(Unit unit) {
    String value = (lowerBound ? "≥ " : "") + unit.format(mean);
    if (!Double.isNaN(error)) {
      return value + " ± " + unit.formatBare(error, mean);
    }
    if (min != max) {
      return value + " (" + unit.formatBare(min, mean) + "–" + unit.formatBare(max, mean) + ")";
    }
    return value;
  }

  /** How a figure is written. */
  enum Unit {
    /** Nanoseconds, as JMH reports an average time. */
    NANOS,
    /** A rate, with k or M. */
    RATE,
    /** A duration given in nanoseconds, written in ns, µs, ms or s as fits. */
    DURATION,
    /** A plain count. */
    COUNT;

    String format(double value) {
      return switch (this) {
        case NANOS -> significant(value) + " ns";
        case RATE -> rate(value);
        case DURATION -> duration(value);
        case COUNT -> String.format(Locale.ROOT, "%,.0f", value);
      };
    }

    /** The value in the scale chosen for {@code reference}, without the unit. */
    String formatBare(double value, double reference) {
      return switch (this) {
        case NANOS -> significant(value);
        case RATE -> scaled(value, rateScale(reference));
        case DURATION -> scaled(value, durationScale(reference));
        case COUNT -> String.format(Locale.ROOT, "%,.0f", value);
      };
    }
  }

  static String significant(double value) {
    if (Double.isNaN(value)) {
      return "?";
    }
    double magnitude = Math.abs(value);
    if (magnitude >= 100) {
      return String.format(Locale.ROOT, "%,.0f", value);
    }
    if (magnitude >= 10) {
      return String.format(Locale.ROOT, "%.1f", value);
    }
    if (magnitude >= 1) {
      return String.format(Locale.ROOT, "%.2f", value);
    }
    return String.format(Locale.ROOT, "%.3g", value);
  }

  /** A ratio: {@code "1.05×"}, {@code "0.0014×"}, {@code "712×"}. */
  static String ratio(double value) {
    if (Double.isNaN(value) || Double.isInfinite(value)) {
      return "n/a";
    }
    return significant(value) + "×";
  }

  private static String rate(double value) {
    double scale = rateScale(value);
    return scaled(value, scale) + (scale == 1e6 ? " M" : scale == 1e3 ? " k" : "");
  }

  private static double rateScale(double reference) {
    return reference >= 1e6 ? 1e6 : reference >= 1e4 ? 1e3 : 1;
  }

  private static String duration(double nanos) {
    double scale = durationScale(nanos);
    String unit = scale == 1e9 ? " s" : scale == 1e6 ? " ms" : scale == 1e3 ? " µs" : " ns";
    return scaled(nanos, scale) + unit;
  }

  private static double durationScale(double nanos) {
    return nanos >= 1e9 ? 1e9 : nanos >= 1e6 ? 1e6 : nanos >= 1e3 ? 1e3 : 1;
  }

  private static String scaled(double value, double scale) {
    return significant(value / scale);
  }
}
