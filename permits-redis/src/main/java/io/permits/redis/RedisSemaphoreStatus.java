package io.permits.redis;

import io.permits.PermitHolder;
import java.util.List;

/**
 * The state of a Redis semaphore across all clients, as {@link RedisSemaphore#status} reads it
 * and {@code permits status --backend redis://…} shows it.
 *
 * @param name the semaphore's name
 * @param limit its limit
 * @param holders who holds permits, oldest grant first, each with its process (pid, host,
 *     command) as the holder's client recorded it; {@link PermitHolder#thread()} is the lease id
 * @param waiters the queued requests in arrival order, each with the process that made it (as
 *     for holders) and {@link PermitHolder#since()} the time it was queued, by Redis's clock;
 *     {@link PermitHolder#permits()} is the number requested and {@link PermitHolder#thread()}
 *     the ticket id. A request waiting at a client's in-process gate behind that client's other
 *     requests is not queued in Redis and not listed.
 */
public record RedisSemaphoreStatus(
    String name, int limit, List<PermitHolder> holders, List<PermitHolder> waiters) {

  /** Copies the lists. */
  public RedisSemaphoreStatus {
    holders = List.copyOf(holders);
    waiters = List.copyOf(waiters);
  }
}
