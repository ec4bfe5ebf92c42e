package io.permits.bench;

import io.permits.LocalSemaphore;
import io.permits.Permit;
import io.permits.SemaphoreListener;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import jdk.jfr.Recording;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What observing a semaphore costs on the uncontended path (issue 6): one thread, 4 permits,
 * {@code acquire()} then {@code close()}, with each observability feature on in turn. Compare
 * {@code DEFAULT} (statistics on, as built by default) with the others; run with {@code -prof gc}
 * for the bytes per pair.
 *
 * <pre>{@code
 * JAVA=$(bin/mvn --java-home)/bin/java
 * CP=permits-bench/target/permits-bench.jar:$(cat permits-bench/target/classpath.txt)
 * $JAVA -cp $CP org.openjdk.jmh.Main ObservabilityBenchmark -f 2 -prof gc
 * }</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class ObservabilityBenchmark {

  /** Which feature is on. */
  public enum Feature {
    /** {@code recordStats(false)}: the gauges and the grant count only. */
    STATS_OFF,
    /** The default build: statistics on (totals and wait times), nothing else. */
    DEFAULT,
    /** {@code recordHoldTimes(true)}: two clock reads per pair. */
    HOLD_TIMES,
    /** A listener that does nothing: the callbacks and the clock reads they need. */
    LISTENER,
    /** A JFR recording with io.permits.Hold and io.permits.Acquire at their default threshold. */
    JFR,
    /** {@code leakDetection(1 minute)}: a stack trace, a scheduled check and a cleaner per pair. */
    LEAK_DETECTION
  }

  /** The feature on in this trial. */
  @Param public Feature feature;

  private LocalSemaphore semaphore;
  private Recording recording;

  /** Builds the semaphore (and starts the recording), once per trial. */
  @Setup
  public void setUp() {
    LocalSemaphore.Builder builder = LocalSemaphore.builder().name("observed").limit(4);
    switch (feature) {
      case STATS_OFF -> builder.recordStats(false);
      case DEFAULT -> {}
      case HOLD_TIMES -> builder.recordHoldTimes(true);
      case LISTENER -> builder.listener(new SemaphoreListener() {});
      case JFR -> {
        recording = new Recording();
        recording.enable("io.permits.Acquire");
        recording.enable("io.permits.Hold");
        recording.setToDisk(false);
        recording.start();
      }
      case LEAK_DETECTION -> builder.leakDetection(Duration.ofMinutes(1));
    }
    semaphore = builder.build();
  }

  /** Stops the recording, if any. */
  @TearDown
  public void tearDown() {
    if (recording != null) {
      recording.close();
    }
  }

  /**
   * Acquires one permit and releases it at once.
   *
   * @throws InterruptedException never, in practice
   */
  @Benchmark
  public void pair() throws InterruptedException {
    Permit permit = semaphore.acquire();
    permit.close();
  }
}
