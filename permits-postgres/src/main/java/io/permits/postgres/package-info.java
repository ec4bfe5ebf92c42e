/**
 * {@link io.permits.postgres.PostgresSemaphore}: a semaphore shared across machines through one
 * PostgreSQL database, on the application's own {@link javax.sql.DataSource}, with leases,
 * renewal, fencing tokens and a FIFO queue.
 */
@NullMarked
package io.permits.postgres;

import org.jspecify.annotations.NullMarked;
