package io.permits.tck;

/**
 * Helps the two sides of a race meet at many different offsets: one side waits, busy, for an
 * offset between zero and {@value #MAX_OFFSET_NANOS} ns that changes from round to round (a
 * woken virtual thread needs microseconds to run again, so starting both sides "at the same
 * time" hits few windows). Only how often a window is hit depends on this, never what a test
 * asserts.
 */
final class Races {
  private static final int STEPS = 256;
  private static final long STEP_NANOS = 250;
  static final long MAX_OFFSET_NANOS = STEPS * STEP_NANOS;

  private Races() {}

  /** An offset in [0, MAX_OFFSET_NANOS) that sweeps the range as {@code round} grows. */
  static long offsetNanos(int round) {
    return (round * 97L % STEPS) * STEP_NANOS;
  }

  static void jitter(int round) {
    long offset = offsetNanos(round);
    long start = System.nanoTime();
    while (System.nanoTime() - start < offset) {
      Thread.onSpinWait();
    }
  }
}
