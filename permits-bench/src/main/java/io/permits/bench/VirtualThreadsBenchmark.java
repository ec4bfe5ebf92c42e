package io.permits.bench;

import io.permits.Permit;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
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
 * Many virtual threads on few permits: {@code threads} virtual threads each take a permit {@code
 * rounds} times, calling {@link Thread#yield()} while holding it (so the carrier goes to another
 * virtual thread, as it would on a real blocking call), on a semaphore of {@code permits}. One
 * operation is the whole run, 10,000 × 100 = 1,000,000 pairs by default; the score is milliseconds
 * per run, which {@link BenchMain} turns into pairs per second.
 *
 * <pre>{@code
 * JAVA=$(bin/mvn --java-home)/bin/java   # a JDK 21+, as bin/bench uses
 * CP=permits-bench/target/permits-bench.jar:$(cat permits-bench/target/classpath.txt)
 * $JAVA -cp $CP org.openjdk.jmh.Main VirtualThreadsBenchmark
 * $JAVA -cp $CP org.openjdk.jmh.Main VirtualThreadsBenchmark -p type=DEFAULT,JDK_NONFAIR
 * }</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class VirtualThreadsBenchmark {

  /** The implementation measured; all of them unless {@code -p type=…} narrows the run. */
  @Param public SemaphoreType type;

  /** Virtual threads started per operation. */
  @Param("10000")
  public int threads;

  /** Acquire-yield-release rounds per virtual thread. */
  @Param("100")
  public int rounds;

  /** The semaphore's limit. */
  @Param("100")
  public int permits;

  private BenchSemaphore semaphore;

  /** Builds the semaphore, once per trial (fork). */
  @Setup
  public void setUp() {
    semaphore = type.create(permits);
  }

  /**
   * Starts the virtual threads, lets them all go at once (so that the contention does not overlap
   * with this thread starting the others), and waits until all have finished.
   *
   * @return the number of pairs done, so that nothing is optimized away
   */
  @Benchmark
  public int run() throws InterruptedException {
    CountDownLatch start = new CountDownLatch(1);
    try (ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor()) {
      for (int i = 0; i < threads; i++) {
        executor.submit(() -> rounds(start));
      }
      start.countDown();
    } // close() waits for every task
    return threads * rounds;
  }

  private Void rounds(CountDownLatch start) throws InterruptedException {
    start.await();
    for (int round = 0; round < rounds; round++) {
      Permit permit = semaphore.acquire();
      try {
        Thread.yield();
      } finally {
        permit.close();
      }
    }
    return null;
  }
}
