package io.permits.bench;

import io.permits.Permit;
import java.util.ArrayList;
import java.util.List;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Fairness quality, which JMH's averages hide: how long the unluckiest waiter waits, and whether a
 * request for every permit ever gets through. Platform threads loop on {@code acquire, a critical
 * section of Blackhole.consumeCPU(work), release} with nothing between release and the next acquire
 * (the harshest case for fairness: the releaser is first in line to barge). Every acquire is timed
 * with {@link System#nanoTime()}.
 *
 * <p>Two scenarios:
 *
 * <ul>
 *   <li>{@code oversubscribed}: 8 threads on 2 permits, one permit each. Reports pairs per second,
 *       the worst single wait and the 99th percentile wait.
 *   <li>{@code whole-set}: limit 4; 7 threads take 1 permit, 1 thread takes all 4. Reports the 7
 *       threads' pairs per second, and the whole-set thread's acquisitions and worst wait. A
 *       whole-set wait still running when an iteration ends counts in the next one; one still
 *       running when the run stops ends as the others stop competing, and is reported as a lower
 *       bound ({@code cutShort=true}).
 * </ul>
 *
 * <p>Output, one line per measured iteration, for {@link BenchMain} to parse: {@code RESULT
 * iteration=1 seconds=… pairs=… worstWait=… p99Wait=… cutShort=… wholeSets=… wholeSetWorst=…
 * wholeSetCutShort=…} (waits in nanoseconds). Run by hand:
 *
 * <pre>{@code
 * JAVA=$(bin/mvn --java-home)/bin/java   # a JDK 21+, as bin/bench uses
 * CP=permits-bench/target/permits-bench.jar:$(cat permits-bench/target/classpath.txt)
 * $JAVA -cp $CP io.permits.bench.FairnessDriver --type JDK_FAIR --scenario oversubscribed
 * $JAVA -cp $CP io.permits.bench.FairnessDriver --type DEFAULT --scenario whole-set --seconds 5
 * }</pre>
 */
public final class FairnessDriver {
  static final String USAGE =
      "FairnessDriver --type TYPE --scenario oversubscribed|whole-set [--work 200]"
          + " [--permits 2|4] [--threads 8|7] [--warmup 1] [--iterations 3] [--seconds 5]";

  /** 0: warm-up; 1..n: measured iterations; n + 1: stop (workers leave before the next acquire). */
  private volatile int phase;

  private FairnessDriver() {}

  /**
   * Runs one scenario on one implementation and prints its RESULT lines.
   *
   * @param args see the class comment
   */
  public static void main(String[] args) {
    DriverOptions.main(args, USAGE, options -> new FairnessDriver().run(options));
  }

  private void run(DriverOptions options) throws InterruptedException {
    SemaphoreType type = options.type();
    String scenario = options.string("scenario", "oversubscribed");
    int work = options.integer("work", 200);
    DriverOptions.Phases phases = options.phases();
    int limit;
    int singles;
    int wholeSetThreads;
    switch (scenario) {
      case "oversubscribed" -> {
        limit = options.integer("permits", 2);
        singles = options.integer("threads", 8);
        wholeSetThreads = 0;
      }
      case "whole-set" -> {
        limit = options.integer("permits", 4);
        singles = options.integer("threads", 7);
        wholeSetThreads = 1;
      }
      default -> throw options.fail("unknown scenario '" + scenario + "'");
    }
    BenchSemaphore semaphore = type.create(limit);
    if (wholeSetThreads > 0 && !semaphore.supportsWeighted()) {
      System.out.println("UNSUPPORTED " + type + " has no weighted acquire");
      return;
    }

    int iterations = phases.iterations();
    List<Worker> workers = new ArrayList<>();
    for (int i = 0; i < singles; i++) {
      workers.add(new Worker("single-" + i, semaphore, 1, work, iterations));
    }
    for (int i = 0; i < wholeSetThreads; i++) {
      workers.add(new Worker("whole-set-" + i, semaphore, limit, work, iterations));
    }
    phase = 0;
    workers.forEach(Thread::start);
    DriverOptions.Phases.sleep(phases.warmupSeconds());
    long[] startedAt = new long[iterations + 2];
    for (int i = 1; i <= iterations + 1; i++) {
      startedAt[i] = System.nanoTime();
      phase = i;
      if (i <= iterations) {
        DriverOptions.Phases.sleep(phases.seconds());
      }
    }
    for (Worker worker : workers) {
      worker.join();
    }

    for (int i = 1; i <= iterations; i++) {
      double seconds = (startedAt[i + 1] - startedAt[i]) / 1e9;
      WaitHistogram single = new WaitHistogram();
      WaitHistogram wholeSet = new WaitHistogram();
      for (Worker worker : workers) {
        (worker.weight == 1 ? single : wholeSet).add(worker.waits[i]);
      }
      StringBuilder line = new StringBuilder("RESULT");
      line.append(" iteration=").append(i);
      line.append(" seconds=").append(seconds);
      line.append(" pairs=").append(single.count());
      line.append(" worstWait=").append(single.max());
      line.append(" p99Wait=").append(single.percentile(0.99));
      line.append(" cutShort=").append(single.maxCutShort());
      if (wholeSetThreads > 0) {
        line.append(" wholeSets=").append(wholeSet.count());
        line.append(" wholeSetWorst=").append(wholeSet.max());
        line.append(" wholeSetCutShort=").append(wholeSet.maxCutShort());
      }
      System.out.println(line);
    }
  }

  /** One competing thread; records its waits per phase into its own histograms. */
  private final class Worker extends Thread {
    final BenchSemaphore semaphore;
    final int weight;
    final int work;
    final int iterations;
    final WaitHistogram[] waits; // index: phase; 0 is the warm-up

    Worker(String name, BenchSemaphore semaphore, int weight, int work, int iterations) {
      super(name);
      this.semaphore = semaphore;
      this.weight = weight;
      this.work = work;
      this.iterations = iterations;
      this.waits = new WaitHistogram[iterations + 1];
      for (int i = 0; i <= iterations; i++) {
        waits[i] = new WaitHistogram();
      }
    }

    @Override
    public void run() {
      try {
        while (phase <= iterations) {
          long start = System.nanoTime();
          Permit permit = weight == 1 ? semaphore.acquire() : semaphore.acquire(weight);
          long waited = System.nanoTime() - start;
          int now = phase;
          try {
            Blackhole.consumeCPU(work);
          } finally {
            permit.close();
          }
          if (now == 0) {
            continue; // warm-up
          }
          if (now <= iterations) {
            waits[now].record(waited);
          } else {
            // ended by the stop: a starved waiter's wait is real, even if cut short
            waits[iterations].recordCutShort(waited);
          }
        }
      } catch (InterruptedException e) {
        throw new IllegalStateException("interrupted", e);
      }
    }
  }
}
