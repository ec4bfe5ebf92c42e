package io.permits.spring;

import io.permits.Fairness;
import io.permits.spring.PermitsProperties.SemaphoreProperties;
import java.time.Duration;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;

/**
 * One declared semaphore, checked: what {@code permits.semaphores.NAME.*} says, or a failure naming
 * the property and its value.
 *
 * @param name the semaphore's name, and its bean's
 * @param limit the limit; for a keyed semaphore the total, 0 for none
 * @param perKeyLimit the per-key limit, 0 for a semaphore without keys
 * @param fairness the in-process fairness
 * @param backend where the permits live
 * @param lease the lease of a Redis or PostgreSQL backend, or null for the default
 * @param maxWait the default wait of {@code @Permits} calls
 * @param retryAfter the semaphore's Retry-After, or null for the application's
 * @param trackHolders whether in-process semaphores record their holders
 */
record SemaphoreSpec(
    String name,
    int limit,
    int perKeyLimit,
    Fairness fairness,
    Backend backend,
    @Nullable Duration lease,
    Duration maxWait,
    @Nullable Duration retryAfter,
    boolean trackHolders) {

  static final String PREFIX = "permits.semaphores.";

  /**
   * What the file, Redis and PostgreSQL backends accept in a name (the file backend's rule, the
   * narrowest).
   */
  private static final Pattern SHARED_NAME = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9._-]{0,99}");

  /** Whether the semaphore has keys. */
  boolean keyed() {
    return perKeyLimit > 0;
  }

  /**
   * Checks one semaphore's properties.
   *
   * @param name the name under {@code permits.semaphores}
   * @param properties its properties
   * @return the checked settings
   * @throws InvalidConfigurationPropertyValueException naming the first bad property and value
   */
  static SemaphoreSpec of(String name, SemaphoreProperties properties) {
    String prefix = PREFIX + name + ".";
    if (name.isBlank()) {
      throw new InvalidConfigurationPropertyValueException(
          "permits.semaphores", name, "a semaphore's name must not be blank");
    }
    Backend backend = Backend.parse(prefix + "backend", properties.getBackend());
    if (!(backend instanceof Backend.Local) && !SHARED_NAME.matcher(name).matches()) {
      throw new InvalidConfigurationPropertyValueException(
          prefix + "backend",
          properties.getBackend(),
          "a shared semaphore's name is 1 to 100 letters, digits, '.', '_' or '-', not starting"
              + " with '.' or '-'; '"
              + name
              + "' is not");
    }
    Integer perKey = properties.getPerKeyLimit();
    Integer limit = properties.getLimit();
    if (perKey != null && perKey < 1) {
      throw new InvalidConfigurationPropertyValueException(
          prefix + "per-key-limit", perKey, "must be at least 1");
    }
    if (limit != null && limit < 1) {
      throw new InvalidConfigurationPropertyValueException(
          prefix + "limit", limit, "must be at least 1");
    }
    if (limit == null && perKey == null) {
      throw new InvalidConfigurationPropertyValueException(
          prefix + "limit",
          null,
          "semaphore '" + name + "' needs a limit (or a per-key-limit, for a keyed semaphore)");
    }
    Duration lease = properties.getLease();
    boolean leases = backend instanceof Backend.Redis || backend instanceof Backend.Postgres;
    if (lease != null && !leases) {
      throw new InvalidConfigurationPropertyValueException(
          prefix + "lease",
          lease,
          "leases are for a redis:// or postgresql backend; this semaphore's is '"
              + backend.text()
              + "'");
    }
    if (lease != null && lease.toMillis() < 10) {
      throw new InvalidConfigurationPropertyValueException(
          prefix + "lease", lease, "must be at least 10ms");
    }
    Duration maxWait = properties.getMaxWait();
    if (maxWait.isNegative()) {
      throw new InvalidConfigurationPropertyValueException(
          prefix + "max-wait", maxWait, "must not be negative");
    }
    Duration retryAfter = properties.getRetryAfter();
    if (retryAfter != null && retryAfter.isNegative()) {
      throw new InvalidConfigurationPropertyValueException(
          prefix + "retry-after", retryAfter, "must not be negative");
    }
    return new SemaphoreSpec(
        name,
        limit == null ? 0 : limit,
        perKey == null ? 0 : perKey,
        properties.getFairness(),
        backend,
        lease,
        maxWait,
        retryAfter,
        properties.isTrackHolders());
  }
}
