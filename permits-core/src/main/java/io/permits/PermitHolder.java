package io.permits;

import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * One held {@link Permit}, as {@link Semaphore#holders()} lists it: who took it, when, and
 * (with leak detection on) where.
 *
 * @param permits the permit's weight
 * @param thread the name of the thread that acquired it (for an asynchronous request, the
 *     thread that completed the future)
 * @param threadId that thread's id
 * @param since when it was granted, by the wall clock
 * @param acquireSite the stack of the acquire that took it, or null unless leak detection is on
 * @param process the process that holds it, for a semaphore shared between processes; null for
 *     a semaphore of this process alone ({@link LocalSemaphore})
 */
public record PermitHolder(
    int permits,
    String thread,
    long threadId,
    Instant since,
    @Nullable Throwable acquireSite,
    @Nullable HolderProcess process) {

  /**
   * A holder in this process.
   *
   * @param permits the permit's weight
   * @param thread the name of the thread that acquired it
   * @param threadId that thread's id
   * @param since when it was granted, by the wall clock
   * @param acquireSite the stack of the acquire that took it, or null
   */
  public PermitHolder(
      int permits, String thread, long threadId, Instant since, @Nullable Throwable acquireSite) {
    this(permits, thread, threadId, since, acquireSite, null);
  }
}
