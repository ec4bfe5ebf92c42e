package io.permits.bench;

import io.permits.Permit;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.openjdk.jmh.infra.Blackhole;

/**
 * {@code acquireAsync()} throughput when oversubscribed: {@code requesters} chains of continuations
 * (default 32) share {@code permits} permits (default 4). Each chain requests a permit; when its
 * future completes it does {@code Blackhole.consumeCPU(work)}, closes the permit and requests the
 * next one, until the run stops. No thread blocks: the work runs on whichever thread completes the
 * future, that is the thread whose release granted it.
 *
 * <p>To start, the driver holds every permit, queues all the requests, then hands the permits out
 * from {@code drivers} platform threads (default 2, one per core of the reference machine); each of
 * those threads then carries the chains it granted until the run stops. Reports pairs per second,
 * one {@code RESULT iteration=… seconds=… pairs=…} line per measured iteration. Only the {@code
 * io.permits} types have an async acquire; for the others it prints {@code UNSUPPORTED}.
 *
 * <pre>{@code
 * JAVA=$(bin/mvn --java-home)/bin/java   # a JDK 21+, as bin/bench uses
 * CP=permits-bench/target/permits-bench.jar:$(cat permits-bench/target/classpath.txt)
 * $JAVA -cp $CP io.permits.bench.AsyncDriver --type STRICT --seconds 5
 * }</pre>
 */
public final class AsyncDriver {
  static final String USAGE =
      "AsyncDriver --type TYPE [--requesters 32] [--permits 4] [--drivers 2] [--work 50]"
          + " [--warmup 1] [--iterations 3] [--seconds 5]";

  private final LongAdder pairs = new LongAdder();
  private volatile boolean running = true;

  private AsyncDriver() {}

  /**
   * Runs the chains on one implementation and prints its RESULT lines.
   *
   * @param args see the class comment
   */
  public static void main(String[] args) {
    DriverOptions.main(args, USAGE, options -> new AsyncDriver().run(options));
  }

  private void run(DriverOptions options) throws InterruptedException {
    SemaphoreType type = options.type();
    int requesters = options.integer("requesters", 32);
    int permits = options.integer("permits", 4);
    int drivers = options.integer("drivers", 2);
    int work = options.integer("work", 50);
    DriverOptions.Phases phases = options.phases();
    BenchSemaphore semaphore = type.create(permits);
    if (!semaphore.supportsAsync()) {
      System.out.println("UNSUPPORTED " + type + " has no async acquire");
      return;
    }

    List<Permit> held = new ArrayList<>();
    for (int i = 0; i < permits; i++) {
      held.add(semaphore.acquire());
    }
    CountDownLatch finished = new CountDownLatch(requesters);
    for (int i = 0; i < requesters; i++) {
      new Chain(semaphore, work, finished).next(); // all queue: every permit is held
    }
    List<Thread> starters = new ArrayList<>();
    for (int d = 0; d < drivers; d++) {
      List<Permit> share = new ArrayList<>();
      for (int i = d; i < held.size(); i += drivers) {
        share.add(held.get(i));
      }
      Thread starter = new Thread(() -> share.forEach(Permit::close), "async-driver-" + d);
      starters.add(starter);
    }
    starters.forEach(Thread::start);

    DriverOptions.Phases.sleep(phases.warmupSeconds());
    long before = pairs.sum();
    long startedAt = System.nanoTime();
    for (int i = 1; i <= phases.iterations(); i++) {
      DriverOptions.Phases.sleep(phases.seconds());
      long now = System.nanoTime();
      long count = pairs.sum();
      System.out.println(
          "RESULT iteration="
              + i
              + " seconds="
              + (now - startedAt) / 1e9
              + " pairs="
              + (count - before));
      before = count;
      startedAt = now;
    }
    running = false;
    if (!finished.await(60, TimeUnit.SECONDS)) {
      throw new IllegalStateException(
          finished.getCount() + " of " + requesters + " chains never finished: " + semaphore);
    }
    for (Thread starter : starters) {
      starter.join();
    }
  }

  /** One requester: request, use, release, request again, without recursion on fast grants. */
  private final class Chain {
    final BenchSemaphore semaphore;
    final int work;
    final CountDownLatch finished;

    Chain(BenchSemaphore semaphore, int work, CountDownLatch finished) {
      this.semaphore = semaphore;
      this.work = work;
      this.finished = finished;
    }

    void next() {
      while (running) {
        CompletableFuture<Permit> future = semaphore.acquireAsync();
        if (!future.isDone()) {
          future.whenComplete(this::granted);
          return;
        }
        use(future.join()); // granted at once: loop instead of recursing
      }
      finished.countDown();
    }

    void granted(Permit permit, Throwable failure) {
      if (failure != null) {
        failure.printStackTrace();
        finished.countDown();
        return;
      }
      use(permit);
      next();
    }

    void use(Permit permit) {
      try {
        Blackhole.consumeCPU(work);
      } finally {
        permit.close();
      }
      pairs.increment();
    }
  }
}
