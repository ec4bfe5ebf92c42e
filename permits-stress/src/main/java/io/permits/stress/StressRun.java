package io.permits.stress;

import io.permits.Fairness;
import io.permits.Semaphore;
import io.permits.stress.Generation.Holding;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Phaser;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

/**
 * One randomized stress run of one {@link Fairness} mode: worker threads hammer a semaphore with
 * every kind of request while a chaos thread interrupts them, and an external checker verifies
 * the bound at every grant and conservation at the end.
 *
 * <pre> {@code
 * ModeReport report = StressRun.run(StressConfig.defaults().withOps(100_000), Fairness.BOUNDED);
 * if (!report.passed()) {
 *   report.violations().forEach(System.out::println); // each with the command that replays it
 * }
 * }</pre>
 */
public final class StressRun {

  /*
   * Implementation notes
   * ====================
   *
   * The workload
   * ------------
   *
   * `threads` workers share the "live generation": a semaphore held in an AtomicReference. Each
   * worker takes ops / threads steps; a step is one of (see Worker for the exact mix)
   * acquire(n); tryAcquire(n); tryAcquire(n, 0..1 ms); acquireAsync(n) then cancel, get() (which
   * the chaos thread may interrupt: then cancel, and close the permit if the cancel lost),
   * get(0..1 ms) (likewise on timeout), or a callback that books and closes the permit on
   * whichever thread completes the future; holding one permit while trying for a second; handing
   * a permit to another thread through a queue (the receiver closes it twice; one time in four
   * the giver closes it as well, racing the receiver); setLimit to a random limit in 1..2L.
   * Independently, about one step in 16384 closes the live generation and swaps in a new one:
   * requests on the old one then fail with SemaphoreClosedException (expected), and its permits
   * still held are closed as usual. Permits are mostly held for no time at all, sometimes for a
   * short spin or a yield; a worker never waits without a timeout while holding a permit.
   * The chaos thread interrupts a random even-numbered worker every 20..200 us; odd-numbered
   * workers are never interrupted, so a lost wake-up there shows as a stall instead of being
   * cured by an interrupt. A watchdog reports a stall if no worker makes progress for
   * `stallTimeout`, with each worker's stack, then closes every semaphore to tear the run down.
   *
   * The checker's books
   * -------------------
   *
   * Each generation keeps a Ledger: the weight of the permits granted and not yet given back,
   * as the workers saw them. A worker adds a permit after its request returned it (so after the
   * grant) and takes it off before the first close() (so before the release). Hence the books
   * never show more than the semaphore has really granted at that instant; a check on the books
   * cannot raise a false alarm for a permit in flight, and a handed-off permit closed by two
   * threads at once is taken off once, by whichever wins a flag, before either closes it.
   *
   * The bound, and why not simply "held <= limit()"
   * ------------------------------------------------
   *
   * After setLimit(k) shrinks, holders from before keep their permits (DESIGN rule 2), so the
   * weight held may exceed k until they close them; and with a grow in between it can exceed
   * both the old and the new limit: limit 2, A takes 1; grow to 4, B takes 3; shrink to 2;
   * now 4 are held, correctly, under limit 2. What the semaphore does promise is that a grant
   * never takes the weight held past the limit in force at the instant of that grant. From that:
   *
   *   RULE. At any instant, the weight held by any set R of permits that are all held at that
   *   instant is at most max over q in R of limit(grant instant of q).
   *
   *   Proof. Let q* be the permit of R granted last. Every permit of R was granted no later
   *   than q* and is still held, so was held just after q*'s grant, when the semaphore held at
   *   most limit(grant of q*). So weight(R) <= limit(grant of q*) <= the max over R.
   *
   * The instant of a grant is not observable, but it lies inside the request's window (from
   * before the call to when its permit is seen), so each permit is booked with a *ceiling*: the
   * largest limit in force at any instant of its window, which is at least the limit at its
   * grant. ("In force" is as the semaphore sees it: a setLimit call changes the limit somewhere
   * inside the call.) Generation keeps a log of limits by resize epoch, each announced before
   * its setLimit call and marked settled after it returns, from which a window's ceiling is
   * read: the largest of the limits in force when it opened and those announced before it
   * closed (see Generation). The ledger is one immutable snapshot (total weight and weight by
   * ceiling) swapped by compare-and-set, so a grant's check reads the total and the holders'
   * largest ceiling at the same instant:
   *
   *   at every grant:   held (this grant included) <= max ceiling of the permits on the books
   *
   * Applying RULE to the booked permits (all really held) shows the check never fires on a
   * correct semaphore. It catches an over-grant as soon as the permits involved are on the
   * books together: without resizes every ceiling is the one limit, and the check is exactly
   * held <= limit. (The report counts the "grants at the bound", those that brought the books
   * exactly to the allowed maximum: hundreds of thousands per 10^7 operations, so the check is
   * tight, not vacuous; tests run it against semaphores broken on purpose.)
   *
   * Other checks
   * ------------
   *
   *   - a granted permit has the weight asked for and says isHeld(); after close() it says not;
   *   - nothing is granted by a request that began after close() of its generation returned;
   *   - SemaphoreClosedException only from a generation whose close() had begun;
   *   - IllegalArgumentException only if some limit in force during the request (from the same
   *     log, the *floor* of its window) was below the weight asked;
   *   - cancel() true means cancelled; false means done, and the permit (if any) is closed;
   *   - acquireAsync reports a closed semaphore through its future, never by throwing;
   *   - no callback left pending once the workers are done (a lost async wake-up);
   *   - at quiescence, for every generation: books empty, waiting() == 0, available() ==
   *     limit() == the last limit set; for the live one, tryAcquire(limit) succeeds and one more
   *     tryAcquire(1) fails (available() is clamped to [0, limit], this sees lost and duplicated
   *     permits alike); for closed ones, isClosed() and tryAcquire fails.
   *
   * Seeds: worker i draws from seed + i and takes all the decisions of a step from one draw, so
   * a seed replays each worker's sequence of intended operations; the interleaving is the
   * scheduler's, so a violation may take several runs of its seed to show again.
   */

  private static final int MAX_VIOLATIONS_KEPT = 1000;
  private static final Duration[] HANDOFF_BOUNDS = {
    Duration.ofNanos(20_000),
    Duration.ofNanos(100_000),
    Duration.ofMillis(1),
    Duration.ofMillis(5)
  };

  private final StressConfig config;
  private final Fairness fairness;
  private final StressedSemaphoreFactory factory;
  private final String replay;

  private final AtomicReference<Generation> live = new AtomicReference<>();
  private final ConcurrentLinkedQueue<Generation> generations = new ConcurrentLinkedQueue<>();
  private final AtomicInteger generationIds = new AtomicInteger();
  private final ArrayBlockingQueue<Holding> handoff;
  private final Phaser callbacks = new Phaser(1); // this thread, plus one party per pending callback
  private final LongAdder[] tallies = new LongAdder[Outcome.values().length];
  private final ConcurrentLinkedQueue<Violation> violations = new ConcurrentLinkedQueue<>();
  private final AtomicLong violationCount = new AtomicLong();
  private volatile boolean stopped;
  private volatile boolean chaosStopped;

  StressRun(StressConfig config, Fairness fairness, StressedSemaphoreFactory factory) {
    this.config = config;
    this.fairness = fairness;
    this.factory = factory;
    this.replay = config.replayCommand(fairness);
    this.handoff = new ArrayBlockingQueue<>(2 * config.threads());
    for (int i = 0; i < tallies.length; i++) {
      tallies[i] = new LongAdder();
    }
  }

  /**
   * Runs {@code config.ops()} operations on {@link io.permits.LocalSemaphore}s in one mode.
   *
   * @param config the settings
   * @param fairness the mode
   * @return what happened, violations included
   */
  public static ModeReport run(StressConfig config, Fairness fairness) {
    return run(config, fairness, StressedSemaphoreFactory.local());
  }

  /**
   * Runs {@code config.ops()} operations on the factory's semaphores in one mode.
   *
   * @param config the settings
   * @param fairness the mode passed to the factory
   * @param factory makes each generation's semaphore
   * @return what happened, violations included
   */
  public static ModeReport run(
      StressConfig config, Fairness fairness, StressedSemaphoreFactory factory) {
    return new StressRun(config, fairness, factory).execute();
  }

  /**
   * A backend's stress test in one call: runs {@code ops} operations from {@code seed} on the
   * factory's semaphores (a request stuck for 15 s counts as a stall), and fails unless every
   * operation ran and no rule broke.
   *
   * @param ops how many operations
   * @param seed the seed (a violation's replay command names it)
   * @param fairness the mode passed to the factory
   * @param factory makes each generation's semaphore
   * @return what happened
   * @throws AssertionError with the run's summary and its violations, if any rule broke
   */
  public static ModeReport runAndCheck(
      long ops, long seed, Fairness fairness, StressedSemaphoreFactory factory) {
    StressConfig config =
        StressConfig.defaults()
            .withOps(ops)
            .withSeed(seed)
            .withStallTimeout(java.time.Duration.ofSeconds(15));
    ModeReport report = run(config, fairness, factory);
    if (report.violationCount() > 0 || report.ops() != ops) {
      throw new AssertionError(
          report.summary() + " (" + ops + " operations asked)\n" + report.violations());
    }
    return report;
  }

  // ---------------------------------------------------------------- the run

  private ModeReport execute() {
    Generation first = newGeneration(new SplittableRandom(config.seed() - 1).nextLong());
    live.set(first);
    generations.add(first);

    int threads = config.threads();
    Worker[] workers = new Worker[threads];
    List<Worker> interruptible = new ArrayList<>();
    for (int i = 0; i < threads; i++) {
      long share = config.ops() / threads + (i < config.ops() % threads ? 1 : 0);
      workers[i] = new Worker(this, i, config.seed() + i, share, i % 2 == 0);
      workers[i].thread = daemon(workers[i], "stress-" + fairness + "-worker-" + i);
      if (workers[i].interruptible) {
        interruptible.add(workers[i]);
      }
    }
    Thread chaos =
        daemon(() -> chaos(interruptible.toArray(new Worker[0])), "stress-" + fairness + "-chaos");

    long startNanos = System.nanoTime();
    for (Worker worker : workers) {
      worker.thread.start();
    }
    chaos.start();
    boolean stalled = awaitWorkers(workers);
    long elapsedNanos = System.nanoTime() - startNanos;
    chaosStopped = true;
    joinQuietly(chaos, Duration.ofSeconds(10));

    // After a stall every generation was closed to tear the run down; if every worker did stop,
    // the closed generations can still be checked, which often names the stall's cause.
    boolean allStopped = true;
    for (Worker worker : workers) {
      allStopped &= !worker.thread.isAlive();
    }
    if (allStopped && awaitCallbacks()) {
      drainHandoff();
      Generation last = live.get();
      for (Generation generation : generations) {
        generation.checkQuiescent(!stalled && generation == last);
      }
    }
    for (Generation generation : generations) {
      generation.close(false);
    }

    long completed = 0;
    for (Worker worker : workers) {
      completed += worker.done();
    }
    Map<Outcome, Long> counts = new EnumMap<>(Outcome.class);
    for (Outcome outcome : Outcome.values()) {
      counts.put(outcome, tallies[outcome.ordinal()].sum());
    }
    return new ModeReport(
        fairness,
        completed,
        Duration.ofNanos(elapsedNanos),
        generations.size(),
        counts,
        List.copyOf(violations),
        violationCount.get());
  }

  /** Joins the workers; returns true if they stalled (then they were torn down). */
  private boolean awaitWorkers(Worker[] workers) {
    long stallNanos = config.stallTimeout().toNanos();
    long lastProgress = -1;
    long lastChange = System.nanoTime();
    for (Worker worker : workers) {
      while (!joinQuietly(worker.thread, Duration.ofMillis(100))) {
        long progress = 0;
        for (Worker w : workers) {
          progress += w.done();
        }
        long now = System.nanoTime();
        if (progress != lastProgress) {
          lastProgress = progress;
          lastChange = now;
        } else if (now - lastChange > stallNanos) {
          tearDown(workers);
          return true;
        }
      }
    }
    return false;
  }

  private void tearDown(Worker[] workers) {
    StringBuilder stacks = new StringBuilder();
    for (Worker worker : workers) {
      Thread thread = worker.thread;
      if (!thread.isAlive()) {
        continue;
      }
      stacks.append(System.lineSeparator()).append("    ").append(thread.getName()).append(' ');
      stacks.append(thread.getState());
      StackTraceElement[] frames = thread.getStackTrace();
      for (int i = 0; i < Math.min(frames.length, 8); i++) {
        stacks.append(System.lineSeparator()).append("      at ").append(frames[i]);
      }
    }
    violation(
        "stall",
        "no worker made progress for "
            + config.stallTimeout().toSeconds()
            + " s; "
            + live.get()
            + "; stacks:"
            + stacks);
    stopped = true;
    for (Generation generation : generations) {
      generation.close(false); // fails every waiter
    }
    for (Worker worker : workers) {
      worker.thread.interrupt();
    }
    for (Worker worker : workers) {
      if (!joinQuietly(worker.thread, Duration.ofSeconds(10))) {
        violation("stall", worker.thread.getName() + " did not stop after close and interrupt");
      }
    }
  }

  /** Waits for every fire-and-forget callback; false (a violation) if some never ran. */
  private boolean awaitCallbacks() {
    int phase = callbacks.arrive();
    try {
      callbacks.awaitAdvanceInterruptibly(
          phase, config.stallTimeout().toNanos(), TimeUnit.NANOSECONDS);
      return true;
    } catch (TimeoutException e) {
      StringBuilder waiting = new StringBuilder();
      for (Generation generation : generations) {
        if (generation.semaphore.waiting() > 0) {
          waiting.append(System.lineSeparator()).append("    ").append(generation);
        }
      }
      violation(
          "stall",
          (callbacks.getRegisteredParties() - 1)
              + " acquireAsync callbacks never ran once every worker had stopped:"
              + waiting);
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  private void chaos(Worker[] targets) {
    SplittableRandom random = new SplittableRandom(config.seed() + config.threads());
    while (!chaosStopped) {
      LockSupport.parkNanos(20_000 + random.nextInt(180_000)); // pacing the load, not ordering
      if (targets.length > 0) {
        targets[random.nextInt(targets.length)].thread.interrupt();
        tally(Outcome.INTERRUPT_SENT);
      }
      if (random.nextInt(4) == 0) {
        drainHandoff();
      }
    }
    drainHandoff();
  }

  // ---------------------------------------------------------------- for workers and generations

  boolean stopped() {
    return stopped;
  }

  Generation current() {
    return live.get();
  }

  int maxLimit() {
    return config.maxLimit();
  }

  /** A new generation, not yet live, its handoff bound chosen from {@code bits}. */
  Generation newGeneration(long bits) {
    int id = generationIds.getAndIncrement();
    Duration bound = HANDOFF_BOUNDS[(int) (bits >>> 17) & (HANDOFF_BOUNDS.length - 1)];
    Semaphore semaphore =
        factory.create("stress-" + fairness + "-" + id, fairness, config.limit(), bound);
    return new Generation(this, id, semaphore, config.maxLimit());
  }

  /** Makes {@code next} live if {@code current} still is; the caller then closes current. */
  boolean replace(Generation current, Generation next) {
    if (!live.compareAndSet(current, next)) {
      return false;
    }
    generations.add(next);
    tally(Outcome.REPLACE);
    return true;
  }

  boolean offerHandoff(Holding holding) {
    return handoff.offer(holding);
  }

  Holding pollHandoff() {
    return handoff.poll();
  }

  private void drainHandoff() {
    Holding holding;
    while ((holding = handoff.poll()) != null) {
      holding.generation.release(holding, true);
    }
  }

  void callbackStarted() {
    callbacks.register();
  }

  void callbackEnded() {
    callbacks.arriveAndDeregister();
  }

  /** The violations recorded so far (the first 1000). */
  List<Violation> violationsSoFar() {
    return List.copyOf(violations);
  }

  void tally(Outcome outcome) {
    tallies[outcome.ordinal()].increment();
  }

  void violation(String kind, String detail) {
    if (violationCount.incrementAndGet() <= MAX_VIOLATIONS_KEPT) {
      violations.add(new Violation(fairness, config.seed(), kind, detail, replay));
    }
  }

  void unexpected(String where, Throwable failure) {
    StringWriter trace = new StringWriter();
    failure.printStackTrace(new PrintWriter(trace));
    violation("unexpected", where + " threw " + trace.toString().strip());
  }

  private static Thread daemon(Runnable task, String name) {
    Thread thread = new Thread(task, name);
    thread.setDaemon(true); // a stuck worker must not keep the JVM alive after the report
    return thread;
  }

  /** Joins, restoring the interrupt if this thread is interrupted; true if the thread ended. */
  private static boolean joinQuietly(Thread thread, Duration timeout) {
    try {
      return thread.join(timeout);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return !thread.isAlive();
    }
  }
}
