package io.permits;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * A {@link Permit} of a distributed semaphore, held for a limited time that the semaphore renews
 * while the holder lives. Because the holder and the semaphore's store communicate over a
 * network, a holder can lose its lease without knowing at once (a pause longer than the lease, a
 * partition); so a lease carries what a careful holder needs:
 *
 * <ul>
 *   <li>{@link #token()}: a fencing token, strictly increasing per semaphore. Pass it to the
 *       resource with every write; the resource remembers the highest token it has seen and
 *       refuses lower ones, so a holder that lost its lease unawares cannot do harm.
 *   <li>{@link #remaining()}: the time left before the lease expires, as the holder can know it
 *       (measured by its own monotonic clock from the last successful renewal's sending).
 *   <li>{@link #lost()}: completes when the lease can no longer be trusted (a renewal failed,
 *       or the holder's own deadline passed); {@link #isHeld()} is false from then on. Stop using
 *       the resource.
 * </ul>
 */
public interface Lease extends Permit {

  /**
   * The fencing token of this grant: larger than that of every earlier grant of the semaphore.
   *
   * @return the token
   */
  long token();

  /**
   * The time left before the lease expires, as the holder can know it; zero once it is not held.
   *
   * @return the time left
   */
  Duration remaining();

  /**
   * A future that completes when the lease can no longer be trusted; it never completes for a
   * lease closed while held.
   *
   * @return the future
   */
  CompletableFuture<Void> lost();
}
