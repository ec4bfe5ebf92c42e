package io.permits;

/**
 * Permits held from a {@link Semaphore}: close it to give them back.
 *
 * <p>A permit is released by closing it, exactly once: a second {@link #close()} (from any
 * thread) does nothing, so a semaphore can never be released more often than it was acquired
 * (Python's {@code BoundedSemaphore} check, made impossible to get wrong). Use it in
 * try-with-resources:
 *
 * <pre> {@code
 * try (Permit permit = semaphore.acquire()) {
 *   useTheResource();
 * }}</pre>
 *
 * <p>A permit may be closed by a thread other than the one that acquired it, for example when
 * work is handed to another thread. Closing a permit after its semaphore was closed is allowed
 * and returns the permits to the closed semaphore's count.
 *
 * <p>Memory consistency: actions in a thread before closing a permit <i>happen-before</i> the
 * actions of a thread that acquires permits thereby released.
 */
public interface Permit extends AutoCloseable {

  /**
   * The number of permits this object holds (its weight), fixed at acquisition.
   *
   * @return the weight, at least 1
   */
  int permits();

  /**
   * Whether these permits are still held: true until {@link #close()} is called (or, for a
   * distributed {@code Lease}, until the lease is lost).
   *
   * @return true while held
   */
  boolean isHeld();

  /**
   * Releases the permits. Idempotent, callable from any thread, never throws.
   */
  @Override
  void close();
}
