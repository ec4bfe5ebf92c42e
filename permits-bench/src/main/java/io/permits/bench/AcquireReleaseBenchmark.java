package io.permits.bench;

import io.permits.Permit;
import java.util.concurrent.TimeUnit;
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
import org.openjdk.jmh.annotations.Warmup;

/**
 * The cost of one acquire and its release, back to back, with nothing in between: the price a
 * caller pays for the semaphore itself. With one thread this is the uncontended fast path; with
 * more threads than permits ({@code -t 8 -p permits=2}) it is the oversubscribed case, where a fair
 * semaphore parks and unparks on nearly every acquire.
 *
 * <p>{@code bin/bench} runs it three ways: 1 thread on 4 permits (with {@code -prof gc}, for the
 * bytes allocated per pair), 2 threads on 4 permits, and 8 threads on 2 permits. By hand, from the
 * repository root after {@code bin/bench} has built the module once:
 *
 * <pre>{@code
 * JAVA=$(bin/mvn --java-home)/bin/java   # a JDK 21+, as bin/bench uses
 * CP=permits-bench/target/permits-bench.jar:$(cat permits-bench/target/classpath.txt)
 * $JAVA -cp $CP org.openjdk.jmh.Main AcquireReleaseBenchmark -t 1 -p permits=4 -prof gc
 * $JAVA -cp $CP org.openjdk.jmh.Main AcquireReleaseBenchmark -t 8 -p permits=2 -p type=STRICT,JDK_FAIR
 * }</pre>
 *
 * <p>The score is nanoseconds per pair and per thread (JMH's average time): with 8 threads on 2
 * cores, 8 pairs are in flight at once, so the system completes one pair every score / 8 ns.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class AcquireReleaseBenchmark {

  /** The implementation measured; all of them unless {@code -p type=…} narrows the run. */
  @Param public SemaphoreType type;

  /** The semaphore's limit. */
  @Param("4")
  public int permits;

  private BenchSemaphore semaphore;

  /** Builds the semaphore, once per trial (fork). */
  @Setup
  public void setUp() {
    semaphore = type.create(permits);
  }

  /**
   * Acquires one permit and releases it at once, as {@code try (Permit p = s.acquire()) {}} does.
   *
   * @throws InterruptedException never, in practice: JMH does not interrupt its threads
   */
  @Benchmark
  public void pair() throws InterruptedException {
    Permit permit = semaphore.acquire();
    permit.close();
  }
}
