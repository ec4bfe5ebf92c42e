package io.permits.stress;

import io.permits.Fairness;
import java.time.Duration;
import java.util.Objects;

/**
 * The settings of one stress run, shared by every fairness mode it covers.
 *
 * <pre> {@code
 * StressConfig config = StressConfig.defaults().withOps(100_000).withSeed(42);
 * ModeReport report = StressRun.run(config, Fairness.STRICT);
 * }</pre>
 *
 * @param ops operations per mode, split across the worker threads
 * @param threads worker threads (the chaos thread comes on top)
 * @param seed worker {@code i} draws its operations from {@code seed + i}, the chaos thread from
 *     {@code seed + threads}
 * @param limit the limit each semaphore starts with; resizes choose limits from 1 to {@code 2 ×
 *     limit}
 * @param stallTimeout how long the run may make no progress at all before it is reported as a
 *     stall (a lost wake-up or a hang) and torn down
 */
public record StressConfig(long ops, int threads, long seed, int limit, Duration stallTimeout) {

  /** The largest {@code --limit}: requests weigh up to the limit, and the ledger counts weights. */
  public static final int MAX_LIMIT = 1 << 20;

  /** How long a run may make no progress before it is reported as stalled, unless told. */
  public static final Duration DEFAULT_STALL_TIMEOUT = Duration.ofSeconds(30);

  /** The most worker threads (each may have two callbacks pending; a Phaser counts them). */
  public static final int MAX_THREADS = 1024;

  /**
   * Checks the values.
   *
   * @throws IllegalArgumentException if a value is out of range, naming it
   */
  public StressConfig {
    if (ops < 0) {
      throw new IllegalArgumentException("ops must not be negative, was " + ops);
    }
    if (threads < 1 || threads > MAX_THREADS) {
      throw new IllegalArgumentException(
          "threads must be from 1 to " + MAX_THREADS + ", was " + threads);
    }
    if (limit < 1 || limit > MAX_LIMIT) {
      throw new IllegalArgumentException("limit must be from 1 to " + MAX_LIMIT + ", was " + limit);
    }
    Objects.requireNonNull(stallTimeout, "stallTimeout");
    if (stallTimeout.isNegative() || stallTimeout.isZero()) {
      throw new IllegalArgumentException("stallTimeout must be positive, was " + stallTimeout);
    }
  }

  /**
   * The defaults of {@code bin/stress}: 1,000,000 ops, {@link #defaultThreads()} threads, a
   * random seed, limit 8, a 30 second stall timeout.
   *
   * @return the default settings
   */
  public static StressConfig defaults() {
    return new StressConfig(1_000_000, defaultThreads(), randomSeed(), 8, DEFAULT_STALL_TIMEOUT);
  }

  /**
   * Twice the processors plus two: enough threads that some always wait.
   *
   * @return {@code 2 × availableProcessors() + 2}
   */
  public static int defaultThreads() {
    return Math.min(MAX_THREADS, 2 * Runtime.getRuntime().availableProcessors() + 2);
  }

  /**
   * A fresh seed for a run that was not given one: non-negative and short enough to type.
   *
   * @return a seed from 0 to 2^31 - 1
   */
  public static long randomSeed() {
    return new java.util.SplittableRandom().nextInt(Integer.MAX_VALUE);
  }

  /**
   * The same settings with another operation count.
   *
   * @param ops operations per mode
   * @return a copy
   */
  public StressConfig withOps(long ops) {
    return new StressConfig(ops, threads, seed, limit, stallTimeout);
  }

  /**
   * The same settings with another thread count.
   *
   * @param threads worker threads
   * @return a copy
   */
  public StressConfig withThreads(int threads) {
    return new StressConfig(ops, threads, seed, limit, stallTimeout);
  }

  /**
   * The same settings with another seed.
   *
   * @param seed the seed
   * @return a copy
   */
  public StressConfig withSeed(long seed) {
    return new StressConfig(ops, threads, seed, limit, stallTimeout);
  }

  /**
   * The same settings with another starting limit.
   *
   * @param limit the limit each semaphore starts with
   * @return a copy
   */
  public StressConfig withLimit(int limit) {
    return new StressConfig(ops, threads, seed, limit, stallTimeout);
  }

  /**
   * The same settings with another stall timeout.
   *
   * @param stallTimeout how long the run may make no progress
   * @return a copy
   */
  public StressConfig withStallTimeout(Duration stallTimeout) {
    return new StressConfig(ops, threads, seed, limit, stallTimeout);
  }

  /**
   * The largest limit a resize may choose.
   *
   * @return {@code 2 × limit}
   */
  public int maxLimit() {
    return 2 * limit;
  }

  /**
   * The command that replays this run's operation mix in one mode (not its thread schedule).
   *
   * @param fairness the mode to replay
   * @return a {@code bin/stress} command line
   */
  public String replayCommand(Fairness fairness) {
    return "bin/stress --fairness "
        + fairness
        + " --seed "
        + seed
        + " --ops "
        + ops
        + " --threads "
        + threads
        + " --limit "
        + limit
        + (stallTimeout.equals(DEFAULT_STALL_TIMEOUT)
            ? ""
            : " --stall-timeout " + Math.max(1, stallTimeout.toSeconds()));
  }
}
