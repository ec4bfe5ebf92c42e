package io.permits.bench;

import io.permits.Fairness;
import io.permits.LocalSemaphore;
import java.time.Duration;
import io.permits.Semaphore;

/**
 * The implementations measured side by side, each able to build a {@link BenchSemaphore}. The JMH
 * benchmarks take it as a {@code @Param}, so {@code -p type=STRICT,JDK_FAIR} narrows a run.
 *
 * <p>{@link #DEFAULT} is whatever {@link Semaphore#of(int)} builds, so the table follows the
 * library when its default mode changes; its label names the mode it found.
 */
public enum SemaphoreType {
  /** {@code new java.util.concurrent.Semaphore(limit)}: barging. The reference peer. */
  JDK_NONFAIR("JDK non-fair") {
    @Override
    public BenchSemaphore create(int limit) {
      return new JdkBenchSemaphore(limit, false);
    }
  },

  /** {@code new java.util.concurrent.Semaphore(limit, true)}: FIFO handoff. */
  JDK_FAIR("JDK fair") {
    @Override
    public BenchSemaphore create(int limit) {
      return new JdkBenchSemaphore(limit, true);
    }
  },

  /** Resilience4j's {@code SemaphoreBulkhead}, default (fair) call handling. */
  RESILIENCE4J("Resilience4j bulkhead") {
    @Override
    public BenchSemaphore create(int limit) {
      return new BulkheadBenchSemaphore(limit);
    }
  },

  /** {@link LocalSemaphore} with {@link Fairness#STRICT}. */
  STRICT("permits STRICT") {
    @Override
    public BenchSemaphore create(int limit) {
      return local(limit, Fairness.STRICT);
    }
  },

  /** {@link LocalSemaphore} with {@link Fairness#BOUNDED} and its default bound. */
  BOUNDED("permits BOUNDED") {
    @Override
    public BenchSemaphore create(int limit) {
      return local(limit, Fairness.BOUNDED);
    }
  },

  /** {@link LocalSemaphore} with {@link Fairness#BARGING}. */
  BARGING("permits BARGING") {
    @Override
    public BenchSemaphore create(int limit) {
      return local(limit, Fairness.BARGING);
    }
  },

  /** {@link Semaphore#of(int)}: the library's default, whatever mode that is. */
  DEFAULT("permits default") {
    @Override
    public BenchSemaphore create(int limit) {
      return new PermitsBenchSemaphore(Semaphore.of(limit));
    }

    @Override
    public String label() {
      return "permits default (" + Semaphore.of(1).fairness() + ")";
    }
  };

  private final String label;

  SemaphoreType(String label) {
    this.label = label;
  }

  /**
   * Builds a new semaphore of this type with all permits free.
   *
   * @param limit the number of permits, at least 1
   * @return the semaphore
   */
  public abstract BenchSemaphore create(int limit);

  /**
   * The name used in result tables, e.g. {@code "JDK fair"}.
   *
   * @return the label
   */
  public String label() {
    return label;
  }

  /**
   * Whether this type is one of the {@code io.permits} semaphores (which have async acquire).
   *
   * @return true for {@link #STRICT}, {@link #BOUNDED}, {@link #BARGING} and {@link #DEFAULT}
   */
  public boolean isPermits() {
    return ordinal() >= STRICT.ordinal();
  }

  /**
   * System property for tuning runs: BOUNDED's bound in microseconds instead of the library's
   * default, e.g. {@code BENCH_JAVA_OPTS=-Dpermits.bench.handoffAfterMicros=1000 bin/bench quick}.
   */
  public static final String HANDOFF_AFTER_PROPERTY = "permits.bench.handoffAfterMicros";

  private static BenchSemaphore local(int limit, Fairness fairness) {
    LocalSemaphore.Builder builder =
        LocalSemaphore.builder().name("bench").limit(limit).fairness(fairness);
    String micros = System.getProperty(HANDOFF_AFTER_PROPERTY);
    if (micros != null) {
      builder.handoffAfter(Duration.ofNanos(Long.parseLong(micros) * 1_000L));
    }
    return new PermitsBenchSemaphore(builder.build());
  }
}
