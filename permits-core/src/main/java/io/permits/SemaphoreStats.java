package io.permits;

/**
 * A snapshot of a semaphore's state and running totals, from {@link Semaphore#stats()}.
 *
 * <p>The gauges ({@code limit}, {@code available}, {@code held}, {@code waiting}) are read
 * one after the other while other threads go on, so under contention they are estimates that
 * need not add up exactly; once the semaphore is quiet, {@code held + available == limit}. The
 * totals count events since the semaphore was built.
 *
 * @param limit the total number of permits
 * @param available permits free now
 * @param held permits held by callers now (weight, not number of {@link Permit} objects)
 * @param waiting requests queued now
 * @param grants requests granted (each counts once, whatever its weight)
 * @param rejections {@code tryAcquire} calls without a timeout that found too few permits
 * @param timeouts timed requests that gave up
 * @param cancellations requests withdrawn by an interrupt or a cancelled future
 */
public record SemaphoreStats(
    int limit,
    int available,
    int held,
    int waiting,
    long grants,
    long rejections,
    long timeouts,
    long cancellations) {}
