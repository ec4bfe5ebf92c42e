/**
 * {@link io.permits.redis.RedisSemaphore}: a semaphore shared across machines through one Redis
 * primary, with leases, renewal, fencing tokens and a FIFO queue.
 */
@NullMarked
package io.permits.redis;

import org.jspecify.annotations.NullMarked;
