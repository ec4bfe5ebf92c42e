package io.permits.examples.spring;

import java.time.Duration;
import java.util.Objects;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/**
 * A stub of a slow downstream system: each call takes {@code downstream.latency} (300 ms by
 * default) and is counted per tenant, with the most that were ever inside at once ({@link
 * CallerCounts}). Tests replace the waiting with their own and share the counts between instances.
 */
@Component
public class Downstream {

  /** What a call does while it is inside the downstream. */
  @FunctionalInterface
  public interface Work {
    /**
     * Does the work of one call.
     *
     * @param tenant the caller's tenant
     * @throws InterruptedException if interrupted
     */
    void run(String tenant) throws InterruptedException;
  }

  private volatile Work work;
  private volatile CallerCounts counts = new CallerCounts();

  /**
   * Creates the stub.
   *
   * @param latency how long each call takes
   */
  public Downstream(@Value("${downstream.latency:300ms}") Duration latency) {
    this.work = tenant -> Thread.sleep(latency);
  }

  /**
   * One call.
   *
   * @param tenant the tenant
   * @return the answer
   * @throws InterruptedException if interrupted while it works
   */
  public String fetch(String tenant) throws InterruptedException {
    CallerCounts now = counts;
    now.entered(tenant);
    try {
      work.run(tenant);
      return "report for " + tenant;
    } finally {
      now.left(tenant);
    }
  }

  /**
   * Replaces what a call does and where callers are counted (for tests).
   *
   * @param work the work of each call
   * @param counts the counts, possibly shared with other instances
   */
  public void use(Work work, CallerCounts counts) {
    this.work = Objects.requireNonNull(work, "work");
    this.counts = Objects.requireNonNull(counts, "counts");
  }

  /**
   * The counts of the callers.
   *
   * @return the counts
   */
  public CallerCounts counts() {
    return counts;
  }
}
