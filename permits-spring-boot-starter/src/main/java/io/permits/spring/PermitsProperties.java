package io.permits.spring;

import io.permits.Fairness;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The {@code permits.*} properties: the semaphores to declare, and how a web application answers a
 * request that found no permit.
 *
 * <pre>
 * permits.semaphores.exports.limit=20
 * permits.semaphores.exports.per-key-limit=2
 * permits.semaphores.exports.backend=redis://localhost:6379
 * permits.semaphores.exports.max-wait=1s
 * </pre>
 */
@ConfigurationProperties("permits")
public class PermitsProperties {

  /** The semaphores, by name; each becomes a bean of that name. */
  private Map<String, SemaphoreProperties> semaphores = new LinkedHashMap<>();

  /** How a servlet web application answers a call that found no permit in time. */
  private final Web web = new Web();

  /** Properties with no semaphore declared. */
  public PermitsProperties() {}

  /**
   * The semaphores, by name.
   *
   * @return the declared semaphores
   */
  public Map<String, SemaphoreProperties> getSemaphores() {
    return semaphores;
  }

  /**
   * Sets the semaphores.
   *
   * @param semaphores the declared semaphores, by name
   */
  public void setSemaphores(Map<String, SemaphoreProperties> semaphores) {
    this.semaphores = semaphores;
  }

  /**
   * The web settings.
   *
   * @return {@code permits.web.*}
   */
  public Web getWeb() {
    return web;
  }

  /** One semaphore: {@code permits.semaphores.NAME.*}. */
  public static class SemaphoreProperties {

    /**
     * The number of permits: of the semaphore, or for a keyed semaphore (one with a per-key-limit)
     * the total over all keys, which may be left out for no total. At least 1.
     */
    private @Nullable Integer limit;

    /**
     * The number of permits each key may hold at once; set it to make a keyed semaphore, which
     * {@code @Permits} calls name a key for. At least 1.
     */
    private @Nullable Integer perKeyLimit;

    /**
     * How this JVM's waiting requests are served: bounded (barges until the oldest waiter has
     * waited 5 ms, then first come first served), strict (first come first served) or barging.
     */
    private Fairness fairness = Fairness.BOUNDED;

    /**
     * Where the permits live: "local" (this JVM), "file:DIR" (every process of this host that opens
     * DIR; "file" alone for the default directory; needs permits-file), "redis://HOST:PORT"
     * (every client of that Redis; needs permits-redis) or "postgresql" (every client of the
     * database of the application's DataSource, schema permits; "postgresql:BEAN" for the
     * DataSource bean named BEAN; needs permits-postgres).
     */
    private String backend = "local";

    /**
     * How long a lease lasts without renewal (the watchdog renews it at a third). Redis and
     * PostgreSQL backends only; default 30s.
     */
    private @Nullable Duration lease;

    /**
     * The longest wait of an {@code @Permits} call whose annotation does not say; 0 does not wait.
     */
    private Duration maxWait = Duration.ZERO;

    /**
     * The Retry-After sent with a 429 for this semaphore; default permits.web.retry-after.
     */
    private @Nullable Duration retryAfter;

    /**
     * Whether an in-process semaphore records who holds its permits, for the permits actuator
     * endpoint.
     */
    private boolean trackHolders = true;

    /** Properties with the defaults. */
    public SemaphoreProperties() {}

    /**
     * The limit.
     *
     * @return the limit, or null if not set
     */
    public @Nullable Integer getLimit() {
      return limit;
    }

    /**
     * Sets the limit.
     *
     * @param limit the limit
     */
    public void setLimit(@Nullable Integer limit) {
      this.limit = limit;
    }

    /**
     * The per-key limit.
     *
     * @return the per-key limit, or null for a semaphore without keys
     */
    public @Nullable Integer getPerKeyLimit() {
      return perKeyLimit;
    }

    /**
     * Sets the per-key limit.
     *
     * @param perKeyLimit the per-key limit
     */
    public void setPerKeyLimit(@Nullable Integer perKeyLimit) {
      this.perKeyLimit = perKeyLimit;
    }

    /**
     * The fairness.
     *
     * @return the fairness
     */
    public Fairness getFairness() {
      return fairness;
    }

    /**
     * Sets the fairness.
     *
     * @param fairness the fairness
     */
    public void setFairness(Fairness fairness) {
      this.fairness = fairness;
    }

    /**
     * The backend.
     *
     * @return "local", "file:DIR", a Redis URI, "postgresql" or "postgresql:BEAN"
     */
    public String getBackend() {
      return backend;
    }

    /**
     * Sets the backend.
     *
     * @param backend "local", "file:DIR", a Redis URI, "postgresql" or "postgresql:BEAN"
     */
    public void setBackend(String backend) {
      this.backend = backend;
    }

    /**
     * The lease of a Redis or PostgreSQL backend.
     *
     * @return the lease, or null for the backend's default
     */
    public @Nullable Duration getLease() {
      return lease;
    }

    /**
     * Sets the lease of a Redis or PostgreSQL backend.
     *
     * @param lease the lease
     */
    public void setLease(@Nullable Duration lease) {
      this.lease = lease;
    }

    /**
     * The default longest wait.
     *
     * @return the wait
     */
    public Duration getMaxWait() {
      return maxWait;
    }

    /**
     * Sets the default longest wait.
     *
     * @param maxWait the wait
     */
    public void setMaxWait(Duration maxWait) {
      this.maxWait = maxWait;
    }

    /**
     * The Retry-After of this semaphore's 429s.
     *
     * @return the duration, or null for the application's default
     */
    public @Nullable Duration getRetryAfter() {
      return retryAfter;
    }

    /**
     * Sets the Retry-After of this semaphore's 429s.
     *
     * @param retryAfter the duration
     */
    public void setRetryAfter(@Nullable Duration retryAfter) {
      this.retryAfter = retryAfter;
    }

    /**
     * Whether holders are tracked.
     *
     * @return true if an in-process semaphore records its holders
     */
    public boolean isTrackHolders() {
      return trackHolders;
    }

    /**
     * Sets whether holders are tracked.
     *
     * @param trackHolders true to record them
     */
    public void setTrackHolders(boolean trackHolders) {
      this.trackHolders = trackHolders;
    }
  }

  /** {@code permits.web.*}. */
  public static class Web {

    /** The Retry-After sent with a 429 when the semaphore does not set its own. */
    private Duration retryAfter = Duration.ofSeconds(1);

    private final ProblemDetails problemDetails = new ProblemDetails();

    /** The defaults. */
    public Web() {}

    /**
     * The default Retry-After.
     *
     * @return the duration
     */
    public Duration getRetryAfter() {
      return retryAfter;
    }

    /**
     * Sets the default Retry-After.
     *
     * @param retryAfter the duration
     */
    public void setRetryAfter(Duration retryAfter) {
      this.retryAfter = retryAfter;
    }

    /**
     * The problem-details settings.
     *
     * @return {@code permits.web.problem-details.*}
     */
    public ProblemDetails getProblemDetails() {
      return problemDetails;
    }
  }

  /** {@code permits.web.problem-details.*}. */
  public static class ProblemDetails {

    /**
     * Whether a call that found no permit is answered with 429, Retry-After and a ProblemDetail
     * body (when the application has no handler of its own for the exception).
     */
    private boolean enabled = true;

    /** The default: enabled. */
    public ProblemDetails() {}

    /**
     * Whether the handler is on.
     *
     * @return true if on
     */
    public boolean isEnabled() {
      return enabled;
    }

    /**
     * Turns the handler on or off.
     *
     * @param enabled true for on
     */
    public void setEnabled(boolean enabled) {
      this.enabled = enabled;
    }
  }
}
