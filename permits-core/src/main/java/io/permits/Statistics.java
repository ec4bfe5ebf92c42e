package io.permits;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * The totals and time summaries of {@link SemaphoreStats}. {@link #OFF} records nothing, so
 * callers never ask whether statistics are on (Caffeine's {@code DisabledStatsCounter}); leaks
 * are counted either way, as a leak report states the count.
 */
class Statistics {

  /*
   * Implementation notes: totals are LongAdders touched only on paths that already wait or fail;
   * maxima are raised by CAS only when exceeded.
   */

  /** Records no totals and no times (leaks excepted). */
  static final Statistics OFF = new Statistics(false) {
    @Override
    void rejected() {}

    @Override
    void gaveUp(Outcome outcome) {}

    @Override
    void waited(long nanos) {}
  };

  private final boolean holdTimes;
  private final LongAdder rejections = new LongAdder();
  private final LongAdder timeouts = new LongAdder();
  private final LongAdder cancellations = new LongAdder();
  private final LongAdder interrupts = new LongAdder();
  private final LongAdder closedWhileWaiting = new LongAdder();
  private final LongAdder leaks = new LongAdder();
  private final Summary waitTime = new Summary();
  private final Summary holdTime = new Summary();

  /** Records totals and waits, and hold times if {@code holdTimes}. */
  Statistics(boolean holdTimes) {
    this.holdTimes = holdTimes;
  }

  /** Whether hold times are recorded: each permit must then remember when it was granted. */
  boolean recordsHoldTimes() {
    return holdTimes;
  }

  void rejected() {
    rejections.increment();
  }

  /** A queued request ended without a grant; a shrink that made it too large counts nowhere. */
  void gaveUp(Outcome outcome) {
    switch (outcome) {
      case TIMEOUT -> timeouts.increment();
      case INTERRUPTED -> interrupts.increment();
      case CANCELLED -> cancellations.increment();
      case CLOSED -> closedWhileWaiting.increment();
      case GRANTED, TOO_LARGE -> {}
    }
  }

  void waited(long nanos) {
    waitTime.record(nanos);
  }

  void held(long nanos) {
    if (holdTimes) {
      holdTime.record(nanos);
    }
  }

  void leaked() {
    leaks.increment();
  }

  /** The totals and summaries in a stats record with the given counts and gauges. */
  SemaphoreStats snapshot(
      int limit, int available, int held, int waiting, int peakWaiting, long grants) {
    return new SemaphoreStats(
        limit,
        available,
        held,
        waiting,
        peakWaiting,
        grants,
        rejections.sum(),
        timeouts.sum(),
        cancellations.sum(),
        interrupts.sum(),
        closedWhileWaiting.sum(),
        leaks.sum(),
        waitTime.snapshot(),
        holdTime.snapshot());
  }

  /** Count, total and maximum of durations: striped adders, and a maximum raised by CAS. */
  static final class Summary {
    private final LongAdder count = new LongAdder();
    private final LongAdder total = new LongAdder();
    private final AtomicLong max = new AtomicLong();

    void record(long nanos) {
      count.increment();
      total.add(nanos);
      long current = max.get();
      while (nanos > current && !max.compareAndSet(current, nanos)) {
        current = max.get();
      }
    }

    TimeSummary snapshot() {
      return new TimeSummary(count.sum(), total.sum(), max.get());
    }
  }
}
