package io.permits.bench;

import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * Everything one {@code bin/bench} run measured, filled in by {@link BenchMain}, read by {@link
 * Report}.
 */
final class Results {

  /** The three shapes of {@link AcquireReleaseBenchmark}. */
  enum PairShape {
    UNCONTENDED(1, 4, "1 thread / 4 permits"),
    TWO_THREADS(2, 4, "2 threads / 4 permits"),
    OVERSUBSCRIBED(8, 2, "8 threads / 2 permits");

    final int threads;
    final int permits;
    final String label;

    PairShape(int threads, int permits, String label) {
      this.threads = threads;
      this.permits = permits;
      this.label = label;
    }
  }

  /**
   * What a driver printed for one implementation: its RESULT lines parsed into key-value maps, or
   * why there are none.
   *
   * @param iterations one map per measured iteration
   * @param unsupported non-null if the implementation lacks the feature (shown as n/a)
   * @param failure non-null if the driver failed (shown as "failed", detail in the log)
   */
  record DriverRun(List<Map<String, String>> iterations, String unsupported, String failure) {
    boolean ok() {
      return unsupported == null && failure == null && !iterations.isEmpty();
    }

    List<Double> values(String key) {
      return iterations.stream().map(m -> Double.parseDouble(m.get(key))).toList();
    }

    /** Per-iteration {@code key / seconds}. */
    List<Double> rates(String key) {
      return iterations.stream()
          .map(m -> Double.parseDouble(m.get(key)) / Double.parseDouble(m.get("seconds")))
          .toList();
    }

    /** True if the worst value of {@code key} comes from an iteration whose flag is set. */
    boolean worstCutShort(String key, String flag) {
      double worst = -1;
      boolean cut = false;
      for (Map<String, String> m : iterations) {
        double value = Double.parseDouble(m.get(key));
        if (value > worst) {
          worst = value;
          cut = Boolean.parseBoolean(m.get(flag));
        }
      }
      return cut;
    }
  }

  final Map<PairShape, Map<SemaphoreType, Measure>> pairs = new EnumMap<>(PairShape.class);
  final Map<SemaphoreType, Double> bytesPerPair = new EnumMap<>(SemaphoreType.class);
  final Map<SemaphoreType, Measure> virtualThreadMillis = new EnumMap<>(SemaphoreType.class);
  final Map<SemaphoreType, DriverRun> oversubscribed = new EnumMap<>(SemaphoreType.class);
  final Map<SemaphoreType, DriverRun> wholeSet = new EnumMap<>(SemaphoreType.class);
  final Map<SemaphoreType, DriverRun> async = new EnumMap<>(SemaphoreType.class);

  /** Pairs done by one {@link VirtualThreadsBenchmark} operation. */
  long virtualThreadPairsPerRun;
}
