package io.permits.bench;

/**
 * Waits recorded by one thread in one measured interval: count, maximum, and a log-linear histogram
 * (8 buckets per power of two, so a percentile is within about 9%) for the 99th percentile. Not
 * thread-safe: each thread records into its own, and the driver merges them after joining the
 * threads.
 */
final class WaitHistogram {
  private static final int SUB_BITS = 3;
  private static final int SUB_BUCKETS = 1 << SUB_BITS;

  private final long[] buckets = new long[64 * SUB_BUCKETS];
  private long count;
  private long max;
  private boolean maxCutShort;

  /** Records one wait of {@code nanos} nanoseconds. */
  void record(long nanos) {
    long value = Math.max(0, nanos);
    count++;
    if (value > max) {
      max = value;
      maxCutShort = false;
    }
    buckets[bucketOf(value)]++;
  }

  /**
   * Records a wait that ended only because the run stopped (the others stopped competing), so the
   * real wait may have been longer: it counts towards the maximum only, as a lower bound.
   */
  void recordCutShort(long nanos) {
    if (nanos > max) {
      max = nanos;
      maxCutShort = true;
    }
  }

  /** Adds the other histogram's waits to this one. */
  void add(WaitHistogram other) {
    count += other.count;
    if (other.max > max) {
      max = other.max;
      maxCutShort = other.maxCutShort;
    }
    for (int i = 0; i < buckets.length; i++) {
      buckets[i] += other.buckets[i];
    }
  }

  long count() {
    return count;
  }

  long max() {
    return max;
  }

  /** True if the longest wait ended only because the run stopped: a lower bound. */
  boolean maxCutShort() {
    return maxCutShort;
  }

  /** The upper edge of the bucket holding the given quantile, capped at the maximum. */
  long percentile(double quantile) {
    if (count == 0) {
      return 0;
    }
    long rank = (long) Math.ceil(quantile * count);
    long seen = 0;
    for (int i = 0; i < buckets.length; i++) {
      seen += buckets[i];
      if (seen >= rank) {
        return Math.min(max, upperEdgeOf(i));
      }
    }
    return max;
  }

  private static int bucketOf(long value) {
    if (value < SUB_BUCKETS) {
      return (int) value;
    }
    int exponent = 63 - Long.numberOfLeadingZeros(value); // >= SUB_BITS
    int sub = (int) (value >>> (exponent - SUB_BITS)) & (SUB_BUCKETS - 1);
    return (exponent - SUB_BITS + 1) * SUB_BUCKETS + sub;
  }

  private static long upperEdgeOf(int bucket) {
    if (bucket < SUB_BUCKETS) {
      return bucket;
    }
    int exponent = bucket / SUB_BUCKETS + SUB_BITS - 1;
    long sub = bucket % SUB_BUCKETS;
    long low = (1L << exponent) + (sub << (exponent - SUB_BITS));
    return low + (1L << (exponent - SUB_BITS)) - 1;
  }
}
