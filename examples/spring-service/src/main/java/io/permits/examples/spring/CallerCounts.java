package io.permits.examples.spring;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * How many callers are inside the downstream per tenant, the most there ever were at once, and
 * whether any ran on a platform thread. Thread-safe; one object may count the calls of several
 * application instances.
 */
public final class CallerCounts {

  private final Map<String, AtomicInteger> inside = new ConcurrentHashMap<>();
  private final Map<String, AtomicInteger> most = new ConcurrentHashMap<>();
  private final AtomicInteger entered = new AtomicInteger();
  private final AtomicInteger onPlatformThreads = new AtomicInteger();
  private final Runnable onEntry;

  /** Counts, doing nothing more. */
  public CallerCounts() {
    this(() -> {});
  }

  /**
   * Counts, and runs {@code onEntry} after counting each caller that enters.
   *
   * @param onEntry what to do on each entry (a test counts its progress)
   */
  public CallerCounts(Runnable onEntry) {
    this.onEntry = onEntry;
  }

  void entered(String tenant) {
    int now = inside.computeIfAbsent(tenant, t -> new AtomicInteger()).incrementAndGet();
    most.computeIfAbsent(tenant, t -> new AtomicInteger()).accumulateAndGet(now, Math::max);
    entered.incrementAndGet();
    if (!Thread.currentThread().isVirtual()) {
      onPlatformThreads.incrementAndGet();
    }
    onEntry.run();
  }

  void left(String tenant) {
    inside.computeIfAbsent(tenant, t -> new AtomicInteger()).decrementAndGet();
  }

  /**
   * The most callers ever inside at once, per tenant.
   *
   * @return tenant to maximum, sorted by tenant
   */
  public Map<String, Integer> maxInside() {
    Map<String, Integer> copy = new TreeMap<>();
    most.forEach((tenant, max) -> copy.put(tenant, max.get()));
    return copy;
  }

  /**
   * The calls that entered.
   *
   * @return the count
   */
  public int entered() {
    return entered.get();
  }

  /**
   * The calls that ran on a platform thread (none, with {@code spring.threads.virtual.enabled}).
   *
   * @return the count
   */
  public int onPlatformThreads() {
    return onPlatformThreads.get();
  }
}
