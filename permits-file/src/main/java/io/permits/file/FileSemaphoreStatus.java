package io.permits.file;

import io.permits.PermitHolder;
import java.util.List;

/**
 * The state of a file semaphore across all processes, as {@link FileSemaphore#status} reads it
 * and {@code permits status} shows it.
 *
 * @param name the semaphore's name
 * @param limit its limit
 * @param holders who holds permits, oldest first, each with its process
 * @param waiters the requests registered as waiting for another process, oldest first; for
 *     these, {@link PermitHolder#permits()} is the number requested and {@link
 *     PermitHolder#since()} when the wait began
 */
public record FileSemaphoreStatus(
    String name, int limit, List<PermitHolder> holders, List<PermitHolder> waiters) {

  /** Copies the lists. */
  public FileSemaphoreStatus {
    holders = List.copyOf(holders);
    waiters = List.copyOf(waiters);
  }

  /**
   * The permits held, in all.
   *
   * @return the sum of the holders' permits
   */
  public int held() {
    return holders.stream().mapToInt(PermitHolder::permits).sum();
  }
}
