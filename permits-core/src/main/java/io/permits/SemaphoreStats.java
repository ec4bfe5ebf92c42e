package io.permits;

/**
 * A snapshot of a semaphore's state and running totals, from {@link Semaphore#stats()}.
 *
 * <p>The gauges ({@code limit}, {@code available}, {@code held}, {@code waiting}) are read
 * one after the other while other threads go on, so under contention they are estimates that
 * need not add up exactly; once the semaphore is quiet, {@code held + available == limit}. The
 * totals count events since the semaphore was built.
 *
 * <p>What it costs: nothing on the uncontended path. Grants made there are counted by the same
 * compare-and-set that takes the permits; everything else is counted on paths that already wait
 * or fail (striped {@link java.util.concurrent.atomic.LongAdder}s). Only {@link #holdTime()}
 * needs two clock reads per acquire and release, so it is recorded only when the semaphore was
 * built with {@link LocalSemaphore.Builder#recordHoldTimes(boolean)} (or a listener, or leak
 * detection, which need the same reads). {@link LocalSemaphore.Builder#recordStats(boolean)
 * recordStats(false)} turns the totals off.
 *
 * @param limit the total number of permits
 * @param available permits free now
 * @param held permits held by callers now (weight, not number of {@link Permit} objects)
 * @param waiting requests queued now
 * @param peakWaiting the most requests ever queued at once
 * @param grants requests granted (each counts once, whatever its weight)
 * @param rejections {@code tryAcquire} calls without a timeout that found too few permits
 * @param timeouts timed requests that gave up
 * @param cancellations asynchronous requests withdrawn by their caller (a cancelled or
 *     completed future)
 * @param interrupts blocked requests given up because their thread was interrupted
 * @param closedWhileWaiting queued requests failed by {@link Semaphore#close()}
 * @param leaks permits reported by leak detection (held past the threshold, or unreachable
 *     while held)
 * @param waitTime the waits of the requests that queued and were then granted
 * @param holdTime how long permits were held, from grant to close (empty unless recorded)
 */
public record SemaphoreStats(
    int limit,
    int available,
    int held,
    int waiting,
    int peakWaiting,
    long grants,
    long rejections,
    long timeouts,
    long cancellations,
    long interrupts,
    long closedWhileWaiting,
    long leaks,
    TimeSummary waitTime,
    TimeSummary holdTime) {

  /**
   * These totals with other gauges: for a semaphore shared between processes, whose gauges come
   * from the shared store and whose totals are this object's own.
   *
   * @param limit the limit
   * @param available the permits free now
   * @param held the permits held now
   * @param waiting the requests queued now
   * @return a copy with those four gauges replaced
   */
  public SemaphoreStats withGauges(int limit, int available, int held, int waiting) {
    return new SemaphoreStats(
        limit,
        available,
        held,
        waiting,
        peakWaiting,
        grants,
        rejections,
        timeouts,
        cancellations,
        interrupts,
        closedWhileWaiting,
        leaks,
        waitTime,
        holdTime);
  }
}
