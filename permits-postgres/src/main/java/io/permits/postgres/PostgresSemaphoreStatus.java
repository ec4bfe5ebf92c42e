package io.permits.postgres;

import io.permits.PermitHolder;
import java.util.List;

/**
 * The state of a PostgreSQL semaphore across all clients, as {@link PostgresSemaphore#status}
 * reads it and {@code permits status --backend postgresql://…} shows it.
 *
 * @param name the semaphore's name
 * @param limit its limit
 * @param holders who holds permits, oldest grant first, each with its process (pid, host,
 *     command) as the holder's client recorded it; {@link PermitHolder#thread()} is the lease id
 * @param waiters the queued requests in arrival order, each with the process that made it and
 *     {@link PermitHolder#since()} the time it was queued, by the server's clock; {@link
 *     PermitHolder#permits()} is the number requested and {@link PermitHolder#thread()} the ticket
 *     id. A request waiting at a client's in-process gate is not queued in PostgreSQL and not
 *     listed.
 */
public record PostgresSemaphoreStatus(
    String name, int limit, List<PermitHolder> holders, List<PermitHolder> waiters) {

  /** Copies the lists. */
  public PostgresSemaphoreStatus {
    holders = List.copyOf(holders);
    waiters = List.copyOf(waiters);
  }
}
