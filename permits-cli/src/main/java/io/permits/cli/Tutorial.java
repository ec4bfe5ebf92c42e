package io.permits.cli;

import io.permits.BoundedExecutor;
import io.permits.Permit;
import io.permits.Semaphore;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The three programs of the Python {@code threading.Semaphore} tutorial, written with permits:
 * same threads, same permits, same printed lines.
 *
 * <p>Each line is printed whole and flushed. A holder says it is using the resource right after
 * it acquired its permit and says it is releasing it before it closes the permit, so in the
 * printed order no more holders are ever "using" than the semaphore has permits.
 */
@SuppressWarnings("try") // a permit held by try-with-resources is not otherwise used
final class Tutorial {

  /** How long the timeout program waits for a permit, as the tutorial's {@code timeout=1}. */
  static final Duration ACQUIRE_TIMEOUT = Duration.ofSeconds(1);

  private final PrintWriter out;
  private final Duration hold;

  /**
   * Prepares the programs.
   *
   * @param out where the lines go
   * @param hold how long each thread or task holds its permit (the tutorial sleeps 2 s)
   */
  Tutorial(PrintWriter out, Duration hold) {
    this.out = Objects.requireNonNull(out, "out");
    this.hold = Objects.requireNonNull(hold, "hold");
  }

  /**
   * Five threads share two permits, each held in a try-with-resources block ({@code with
   * semaphore:}).
   *
   * @throws InterruptedException if interrupted while joining the threads
   */
  void basic() throws InterruptedException {
    try (Semaphore semaphore = Semaphore.of(2)) {
      runThreads(
          5,
          name -> {
            try (Permit permit = semaphore.acquire()) {
              say(name + " is using the resource");
              holdThePermit();
              say(name + " is releasing the resource");
            }
          });
    }
    say("All tasks completed");
  }

  /**
   * Five threads, two permits, each waiting at most one second ({@code acquire(timeout=1)}); those
   * that time out go on without the resource.
   *
   * @throws InterruptedException if interrupted while joining the threads
   */
  void timeout() throws InterruptedException {
    try (Semaphore semaphore = Semaphore.of(2)) {
      runThreads(
          5,
          name -> {
            Optional<Permit> acquired = semaphore.tryAcquire(ACQUIRE_TIMEOUT);
            if (acquired.isEmpty()) {
              say(name + " could not acquire the resource");
              return;
            }
            try (Permit permit = acquired.get()) {
              say(name + " is using the resource");
              holdThePermit();
              say(name + " is releasing the resource");
            }
          });
    }
    say("All tasks completed");
  }

  /**
   * Ten tasks, at most three at a time, on a {@link BoundedExecutor} over {@code
   * Semaphore.of(3)}: each task holds one of the three permits while it runs, on a new virtual
   * thread of its own, which it names {@code Thread-N} after its task number (the tutorial starts
   * thread N for task N). The executor's {@link BoundedExecutor.Builder#threadFactory thread
   * factory} cannot do that naming: it makes a thread when a permit is granted, on the thread
   * that granted it, so a counter there would number threads in grant order, not task order.
   *
   * @throws InterruptedException if interrupted while waiting for a task
   * @throws ExecutionException if a task failed
   */
  void pool() throws InterruptedException, ExecutionException {
    try (Semaphore semaphore = Semaphore.of(3);
        BoundedExecutor executor = BoundedExecutor.create(semaphore)) {
      List<Future<?>> tasks = new ArrayList<>();
      for (int id = 1; id <= 10; id++) {
        int task = id;
        tasks.add(
            executor.submit(
                () -> {
                  Thread.currentThread().setName("Thread-" + task); // a new thread per task
                  say("Task " + task + " is running on " + Thread.currentThread().getName());
                  holdThePermit();
                  say("Task " + task + " is completed");
                  return null;
                }));
      }
      for (Future<?> task : tasks) {
        task.get(); // rethrows a task's failure
      }
    } // the executor's close() waits for its tasks, then the semaphore closes
    say("All tasks completed");
  }

  private void say(String line) {
    out.println(line); // one call per line: PrintWriter writes it whole
    out.flush();
  }

  private void holdThePermit() throws InterruptedException {
    Thread.sleep(hold); // the tutorial's time.sleep(2): simulated use of the resource
  }

  /** What one of the tutorial's threads does, given its name. */
  @FunctionalInterface
  private interface Worker {
    void run(String threadName) throws InterruptedException;
  }

  /**
   * Starts platform threads named Thread-1 to Thread-{@code count}, each running {@code worker},
   * joins them all and rethrows the first failure.
   */
  private static void runThreads(int count, Worker worker) throws InterruptedException {
    AtomicReference<Throwable> failure = new AtomicReference<>();
    List<Thread> threads = new ArrayList<>(count);
    for (int i = 1; i <= count; i++) {
      String name = "Thread-" + i;
      threads.add(
          Thread.ofPlatform()
              .name(name)
              .unstarted(
                  () -> {
                    try {
                      worker.run(name);
                    } catch (Throwable t) {
                      if (!failure.compareAndSet(null, t)) {
                        failure.get().addSuppressed(t);
                      }
                    }
                  }));
    }
    threads.forEach(Thread::start);
    try {
      for (Thread thread : threads) {
        thread.join();
      }
    } catch (InterruptedException e) {
      threads.forEach(Thread::interrupt);
      throw e;
    }
    Throwable first = failure.get();
    if (first != null) {
      throw new IllegalStateException("a tutorial thread failed: " + first, first);
    }
  }
}
