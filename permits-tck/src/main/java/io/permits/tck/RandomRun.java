package io.permits.tck;

import io.permits.Permit;
import io.permits.PermitUnavailableException;
import io.permits.Semaphore;
import io.permits.SemaphoreClosedException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import org.jspecify.annotations.Nullable;

/**
 * One randomized run for {@link RandomizedContract}: {@value #THREADS} threads, half virtual and
 * half platform, each making a random sequence of requests of every kind (blocking, try, timed
 * with tiny timeouts, async with and without cancel, call), interrupting each other, and
 * optionally resizing or closing the semaphore. Every permit granted is used in a critical
 * section that counts the weight held at once, which must never exceed the bound.
 *
 * <p>Each thread draws from its own {@link Random} seeded from the run's seed, so a run is
 * described by its seed (replay with {@code -Dpermits.tck.seed=...}); the interleaving is not
 * reproducible, but nothing asserted depends on it.
 */
final class RandomRun {
  static final int THREADS = 100;
  static final Duration LENGTH = Duration.ofMillis(1500);
  static final int MAX_OPERATIONS = 3000;

  enum Mode {
    PLAIN,
    RESIZE,
    CLOSE
  }

  final Semaphore semaphore;
  final long seed;
  final Mode mode;
  final int bound;
  final int low;
  final int high;

  final AtomicInteger inside = new AtomicInteger();
  final AtomicInteger maxInside = new AtomicInteger();
  final AtomicReference<@Nullable String> violation = new AtomicReference<>();
  final AtomicReference<@Nullable Throwable> unexpected = new AtomicReference<>();
  final LongAdder granted = new LongAdder();
  final LongAdder empty = new LongAdder();
  final LongAdder interrupted = new LongAdder();
  final LongAdder cancelled = new LongAdder();
  final LongAdder closed = new LongAdder();
  final LongAdder impossible = new LongAdder();
  final List<String> stuck = new ArrayList<>();
  String stuckState = "";

  private final Thread[] workers = new Thread[THREADS];
  private volatile long deadline;
  private volatile long closeAt;

  /**
   * @param low the smallest limit a resize picks (the limit when not resizing)
   * @param high the largest limit a resize picks (the limit when not resizing)
   */
  RandomRun(Semaphore semaphore, long seed, Mode mode, int low, int high) {
    this.semaphore = semaphore;
    this.seed = seed;
    this.mode = mode;
    this.low = low;
    this.high = high;
    this.bound = high;
  }

  static long newSeed() {
    Long fixed = Long.getLong("permits.tck.seed");
    return fixed != null ? fixed : ThreadLocalRandom.current().nextLong();
  }

  /** For failure messages. */
  String describe() {
    return "seed "
        + seed
        + " (replay with -Dpermits.tck.seed="
        + seed
        + "), mode "
        + mode
        + ", limit "
        + (low == high ? low : low + ".." + high)
        + ": granted "
        + granted
        + ", empty "
        + empty
        + ", interrupted "
        + interrupted
        + ", cancelled "
        + cancelled
        + ", closed "
        + closed
        + ", impossible "
        + impossible
        + ", most held at once "
        + maxInside;
  }

  void run() throws InterruptedException {
    CountDownLatch go = new CountDownLatch(1);
    for (int i = 0; i < THREADS; i++) {
      int index = i;
      Thread.Builder builder =
          i % 2 == 0 ? Thread.ofVirtual() : Thread.ofPlatform().daemon();
      workers[i] = builder.name("tck-random-" + i).unstarted(() -> work(index, go));
    }
    for (Thread worker : workers) {
      worker.start();
    }
    long start = System.nanoTime();
    deadline = start + LENGTH.toNanos();
    closeAt = start + LENGTH.toNanos() / 2;
    go.countDown();
    if (mode == Mode.CLOSE) {
      // the workers close it too, as they pass closeAt; on a loaded machine none may get there
      // before the deadline (all parked in long waits), so this thread closes it as well
      long left;
      while ((left = closeAt - System.nanoTime()) > 0) {
        java.util.concurrent.locks.LockSupport.parkNanos(left);
      }
      semaphore.close();
    }

    long end = deadline + Await.PATIENCE.toNanos();
    for (Thread worker : workers) {
      long left = end - System.nanoTime();
      if (left > 0) {
        worker.join(Duration.ofNanos(left));
      }
      if (worker.isAlive()) {
        stuck.add(worker.getName());
      }
    }
    if (!stuck.isEmpty()) {
      stuckState = Await.describe(semaphore);
      semaphore.close(); // fails the stuck requests, so that no thread outlives the test
      for (Thread worker : workers) {
        worker.join(Await.PATIENCE);
      }
    }
  }

  private void work(int index, CountDownLatch go) {
    Random random = new Random(seed ^ (0x9E3779B97F4A7C15L * (index + 1)));
    try {
      go.await();
    } catch (InterruptedException early) {
      interrupted.increment();
    }
    int operations = mode == Mode.CLOSE ? Integer.MAX_VALUE : MAX_OPERATIONS; // run until closed
    for (int op = 0; op < operations && System.nanoTime() - deadline < 0; op++) {
      try {
        step(random);
      } catch (InterruptedException expected) {
        interrupted.increment();
      } catch (SemaphoreClosedException failure) {
        closed.increment();
        if (mode != Mode.CLOSE || !semaphore.isClosed()) {
          unexpected.compareAndSet(null, failure);
        }
        break;
      } catch (IllegalArgumentException failure) {
        impossible.increment();
        if (mode != Mode.RESIZE) {
          unexpected.compareAndSet(null, failure);
          break;
        }
      } catch (PermitUnavailableException expected) {
        empty.increment();
      } catch (Throwable failure) {
        unexpected.compareAndSet(null, failure);
        break;
      }
    }
    Thread.interrupted();
  }

  private void step(Random random) throws Exception {
    if (mode == Mode.CLOSE && System.nanoTime() - closeAt > 0) {
      semaphore.close(); // by whichever threads get here first, racing everything else
    }
    int permits = random.nextInt(4) == 0 ? 1 + random.nextInt(high) : 1;
    int dice = random.nextInt(100);
    if (dice < 25) {
      use(semaphore.acquire(permits), random);
    } else if (dice < 45) {
      use(semaphore.tryAcquire(permits), random);
    } else if (dice < 65) {
      use(semaphore.tryAcquire(permits, Duration.ofNanos(random.nextInt(1_000_000))), random);
    } else if (dice < 80) {
      async(permits, random);
    } else if (dice < 88) {
      semaphore.call(
          Duration.ofNanos(random.nextInt(500_000)),
          () -> {
            critical(1, random);
            granted.increment();
            return null;
          });
    } else if (dice < 93) {
      workers[random.nextInt(THREADS)].interrupt();
    } else if (dice < 96 && mode == Mode.RESIZE) {
      semaphore.setLimit(low + random.nextInt(high - low + 1));
    } else {
      use(semaphore.tryAcquire(permits, Duration.ZERO), random);
    }
  }

  private void async(int permits, Random random) throws InterruptedException {
    CompletableFuture<Permit> future = semaphore.acquireAsync(permits);
    if (random.nextBoolean()) {
      if (future.cancel(false)) {
        cancelled.increment();
      } else {
        resolve(future, random);
      }
      return;
    }
    Permit permit;
    try {
      permit = future.get();
    } catch (InterruptedException interrupt) {
      if (future.cancel(false)) {
        cancelled.increment();
      } else {
        resolve(future, random);
      }
      throw interrupt;
    } catch (ExecutionException failed) {
      throw rethrow(failed.getCause());
    }
    use(permit, random);
  }

  /** Uses the permit of a future that could not be cancelled, or rethrows its failure. */
  private void resolve(CompletableFuture<Permit> future, Random random) {
    Permit permit;
    try {
      permit = future.join();
    } catch (CompletionException failed) {
      throw rethrow(failed.getCause());
    }
    use(permit, random);
  }

  private static RuntimeException rethrow(@Nullable Throwable cause) {
    if (cause instanceof RuntimeException runtime) {
      throw runtime;
    }
    if (cause instanceof Error error) {
      throw error;
    }
    throw new AssertionError("unexpected failure of a future", cause);
  }

  private void use(Optional<Permit> permit, Random random) {
    if (permit.isPresent()) {
      use(permit.get(), random);
    } else {
      empty.increment();
    }
  }

  private void use(Permit permit, Random random) {
    try {
      if (!permit.isHeld()) {
        violation.compareAndSet(null, "a permit was granted but not held: " + permit);
      }
      critical(permit.permits(), random);
      granted.increment();
    } finally {
      permit.close();
      if (random.nextInt(8) == 0) {
        permit.close(); // a second close must do nothing
      }
    }
  }

  private void critical(int weight, Random random) {
    int now = inside.addAndGet(weight);
    try {
      if (now > bound) {
        violation.compareAndSet(
            null, now + " permits held at once by the critical sections, bound " + bound);
      }
      maxInside.accumulateAndGet(now, Math::max);
      for (int spin = random.nextInt(64); spin > 0; spin--) {
        Thread.onSpinWait();
      }
    } finally {
      inside.addAndGet(-weight);
    }
  }
}
