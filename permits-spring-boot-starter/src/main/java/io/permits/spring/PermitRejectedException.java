package io.permits.spring;

import io.permits.PermitUnavailableException;
import java.io.Serial;
import java.time.Duration;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * Thrown (or the failure of the returned future) when a {@link Permits @Permits} method found no
 * permit within its wait. Names the semaphore, the key and the wait, and carries how long the
 * caller should wait before trying again, which a web application sends as {@code Retry-After}.
 */
public class PermitRejectedException extends PermitUnavailableException {
  @Serial private static final long serialVersionUID = 1L;

  /** The semaphore's name. */
  private final String semaphore;

  /** The key's {@code toString()}, or null for a semaphore without keys. */
  private final @Nullable String key;

  /** How long the call waited. */
  private final Duration maxWait;

  /** The semaphore's Retry-After, or null for the application's default. */
  private final @Nullable Duration retryAfter;

  /**
   * Creates the exception.
   *
   * @param semaphore the semaphore's name
   * @param key the key (its {@code toString()}), or null for a semaphore without keys
   * @param maxWait how long the call waited
   * @param retryAfter the semaphore's {@code retry-after}, or null for the application's default
   * @param message what happened
   */
  public PermitRejectedException(
      String semaphore,
      @Nullable String key,
      Duration maxWait,
      @Nullable Duration retryAfter,
      String message) {
    super(message);
    this.semaphore = semaphore;
    this.key = key;
    this.maxWait = maxWait;
    this.retryAfter = retryAfter;
  }

  /**
   * The semaphore's name.
   *
   * @return the name
   */
  public String semaphore() {
    return semaphore;
  }

  /**
   * The key, for a keyed semaphore.
   *
   * @return the key's {@code toString()}, or empty
   */
  public Optional<String> key() {
    return Optional.ofNullable(key);
  }

  /**
   * How long the call waited for its permits.
   *
   * @return the wait
   */
  public Duration maxWait() {
    return maxWait;
  }

  /**
   * How long the caller should wait before trying again, if the semaphore sets it.
   *
   * @return the semaphore's {@code retry-after}, or empty for the application's default ({@code
   *     permits.web.retry-after})
   */
  public Optional<Duration> retryAfter() {
    return Optional.ofNullable(retryAfter);
  }
}
