package io.permits;

import static io.permits.Waits.awaitTrue;
import static io.permits.Waits.awaitUninterruptibly;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class BoundedExecutorTest {

  // ---------------------------------------------------------------- the bound

  @Test
  void runs_at_most_limit_tasks_at_once_and_all_complete() throws Exception {
    LocalSemaphore semaphore = Semaphore.of(3);
    AtomicInteger current = new AtomicInteger();
    AtomicInteger max = new AtomicInteger();
    AtomicInteger done = new AtomicInteger();
    CountDownLatch gate = new CountDownLatch(1);
    BoundedExecutor executor = BoundedExecutor.create(semaphore);
    for (int i = 0; i < 10; i++) {
      executor.execute(
          () -> {
            max.accumulateAndGet(current.incrementAndGet(), Math::max);
            try {
              gate.await();
            } catch (InterruptedException e) {
              throw new AssertionError(e);
            } finally {
              current.decrementAndGet();
              done.incrementAndGet();
            }
          });
    }
    awaitTrue(() -> current.get() >= 3);
    assertThat(current.get()).isEqualTo(3);
    assertThat(semaphore.waiting()).isEqualTo(7);
    assertThat(executor.queued()).isEqualTo(7);
    assertThat(semaphore.available()).isZero();

    gate.countDown();
    executor.shutdown();
    assertThat(executor.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
    assertThat(done.get()).isEqualTo(10);
    assertThat(max.get()).isEqualTo(3);
    assertThat(semaphore.available()).isEqualTo(3);
  }

  @Test
  void a_queued_task_costs_a_queue_entry_not_a_thread() throws Exception {
    int tasks = 100_000;
    LocalSemaphore semaphore = Semaphore.of(2);
    CountingFactory factory = new CountingFactory();
    BoundedExecutor executor = BoundedExecutor.builder(semaphore).threadFactory(factory).build();
    CountDownLatch started = new CountDownLatch(2);
    CountDownLatch gate = new CountDownLatch(1);
    AtomicInteger done = new AtomicInteger();
    for (int i = 0; i < 2; i++) {
      executor.execute(
          () -> {
            started.countDown();
            awaitUninterruptibly(gate);
            done.incrementAndGet();
          });
    }
    started.await();
    Runnable noop = done::incrementAndGet;
    for (int i = 2; i < tasks; i++) {
      executor.execute(noop);
    }
    assertThat(factory.created.get()).isEqualTo(2);
    assertThat(semaphore.waiting()).isEqualTo(tasks - 2);
    assertThat(executor.queued()).isEqualTo(tasks - 2);
    assertThat(executor.running()).isEqualTo(2);

    gate.countDown();
    executor.shutdown();
    assertThat(executor.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
    assertThat(done.get()).isEqualTo(tasks);
    assertThat(factory.created.get()).isEqualTo(tasks);
    assertThat(semaphore.available()).isEqualTo(2);
    assertThat(semaphore.waiting()).isZero();
  }

  // ---------------------------------------------------------------- results and failures

  @Test
  void submit_returns_a_future_with_the_result_computed_while_holding_a_permit()
      throws Exception {
    LocalSemaphore semaphore = Semaphore.of(1);
    try (BoundedExecutor executor = BoundedExecutor.create(semaphore)) {
      Future<Integer> answer = executor.submit(() -> 40 + semaphore.available() + 2);
      assertThat(answer.get()).isEqualTo(42); // available() was 0 inside the task
    }
    assertThat(semaphore.available()).isEqualTo(1);
  }

  @Test
  void a_task_that_throws_releases_its_permit() throws Exception {
    LocalSemaphore semaphore = Semaphore.of(1);
    Queue<Throwable> uncaught = new ConcurrentLinkedQueue<>();
    CountDownLatch reported = new CountDownLatch(1);
    ThreadFactory factory =
        Thread.ofVirtual()
            .uncaughtExceptionHandler(
                (thread, e) -> {
                  uncaught.add(e);
                  reported.countDown();
                })
            .factory();
    BoundedExecutor executor = BoundedExecutor.builder(semaphore).threadFactory(factory).build();

    Future<Object> failed =
        executor.submit(
            () -> {
              throw new IllegalStateException("task failed");
            });
    assertThatThrownBy(failed::get)
        .isInstanceOf(ExecutionException.class)
        .cause()
        .hasMessage("task failed");
    // the only permit came back: the next task can run
    assertThat(executor.submit(() -> "next").get()).isEqualTo("next");

    executor.execute(
        () -> {
          throw new IllegalStateException("plain task failed");
        });
    reported.await();
    assertThat(uncaught).singleElement().extracting(Throwable::getMessage)
        .isEqualTo("plain task failed");

    executor.shutdown();
    assertThat(executor.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
    assertThat(semaphore.available()).isEqualTo(1);
  }

  // ---------------------------------------------------------------- maxQueued

  @Test
  void a_full_queue_rejects_the_extra_submission_naming_the_bound() throws Exception {
    LocalSemaphore semaphore = Semaphore.of(1);
    BoundedExecutor executor =
        BoundedExecutor.builder(semaphore).maxQueued(2).rejectWhenFull().build();
    CountDownLatch gate = new CountDownLatch(1);
    AtomicInteger done = new AtomicInteger();
    Runnable task =
        () -> {
          awaitUninterruptibly(gate);
          done.incrementAndGet();
        };
    executor.execute(task); // runs
    executor.execute(task); // queued
    executor.execute(task); // queued
    assertThat(executor.queued()).isEqualTo(2);

    assertThatThrownBy(() -> executor.execute(task))
        .isInstanceOf(RejectedExecutionException.class)
        .hasMessageContaining("maxQueued is 2");
    assertThat(semaphore.waiting()).isEqualTo(2);

    gate.countDown();
    executor.shutdown();
    assertThat(executor.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
    assertThat(done.get()).isEqualTo(3);
    assertThat(semaphore.available()).isEqualTo(1);
  }

  @Test
  void a_full_queue_blocks_the_submitter_until_a_task_starts() throws Exception {
    LocalSemaphore semaphore = Semaphore.of(1);
    BoundedExecutor executor =
        BoundedExecutor.builder(semaphore).maxQueued(1).blockWhenFull().build();
    CountDownLatch gate = new CountDownLatch(1);
    CountDownLatch firstStarted = new CountDownLatch(1);
    AtomicInteger done = new AtomicInteger();
    executor.execute(
        () -> {
          firstStarted.countDown();
          awaitUninterruptibly(gate);
          done.incrementAndGet();
        });
    firstStarted.await();
    executor.execute(done::incrementAndGet); // fills the queue

    AtomicBoolean returned = new AtomicBoolean();
    Thread submitter =
        Thread.ofPlatform()
            .start(
                () -> {
                  executor.execute(done::incrementAndGet);
                  returned.set(true);
                });
    awaitBlocked(submitter);
    assertThat(returned).isFalse();
    assertThat(executor.queued()).isEqualTo(1);

    gate.countDown(); // the first task ends, the queued one starts, a slot frees
    submitter.join();
    assertThat(returned).isTrue();
    executor.shutdown();
    assertThat(executor.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
    assertThat(done.get()).isEqualTo(3);
    assertThat(semaphore.available()).isEqualTo(1);
  }

  @Test
  void a_submitter_interrupted_while_blocked_is_rejected_with_its_flag_set() throws Exception {
    LocalSemaphore semaphore = Semaphore.of(1);
    BoundedExecutor executor =
        BoundedExecutor.builder(semaphore).maxQueued(1).blockWhenFull().build();
    CountDownLatch gate = new CountDownLatch(1);
    AtomicInteger done = new AtomicInteger();
    executor.execute(() -> awaitUninterruptibly(gate));
    executor.execute(done::incrementAndGet); // fills the queue

    AtomicReference<Throwable> thrown = new AtomicReference<>();
    AtomicBoolean flagSet = new AtomicBoolean();
    Thread submitter =
        Thread.ofPlatform()
            .start(
                () -> {
                  try {
                    executor.execute(done::incrementAndGet);
                  } catch (Throwable t) {
                    thrown.set(t);
                    flagSet.set(Thread.currentThread().isInterrupted());
                  }
                });
    awaitBlocked(submitter);
    submitter.interrupt();
    submitter.join();
    assertThat(thrown.get())
        .isInstanceOf(RejectedExecutionException.class)
        .hasMessageContaining("interrupted");
    assertThat(flagSet).isTrue();

    gate.countDown();
    executor.shutdown();
    assertThat(executor.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
    assertThat(done.get()).isEqualTo(1); // the interrupted submission never ran
    assertThat(semaphore.available()).isEqualTo(1);
  }

  @Test
  void a_submitter_blocked_when_the_executor_shuts_down_is_rejected() throws Exception {
    LocalSemaphore semaphore = Semaphore.of(1);
    BoundedExecutor executor =
        BoundedExecutor.builder(semaphore).maxQueued(1).blockWhenFull().build();
    CountDownLatch gate = new CountDownLatch(1);
    executor.execute(() -> awaitUninterruptibly(gate));
    executor.execute(() -> {}); // fills the queue

    AtomicReference<Throwable> thrown = new AtomicReference<>();
    Thread submitter =
        Thread.ofPlatform()
            .start(
                () -> {
                  try {
                    executor.execute(() -> {});
                  } catch (Throwable t) {
                    thrown.set(t);
                  }
                });
    awaitBlocked(submitter);
    executor.shutdown();
    submitter.join();
    assertThat(thrown.get())
        .isInstanceOf(RejectedExecutionException.class)
        .hasMessageContaining("shut down");

    gate.countDown();
    assertThat(executor.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
  }

  // ---------------------------------------------------------------- life cycle

  @Test
  void shutdown_lets_queued_tasks_run_then_terminates_and_rejects_new_tasks() throws Exception {
    LocalSemaphore semaphore = Semaphore.of(1);
    BoundedExecutor executor = BoundedExecutor.create(semaphore);
    CountDownLatch gate = new CountDownLatch(1);
    CountDownLatch started = new CountDownLatch(1);
    AtomicInteger queuedRan = new AtomicInteger();
    executor.execute(
        () -> {
          started.countDown();
          awaitUninterruptibly(gate);
        });
    started.await();
    executor.execute(queuedRan::incrementAndGet);
    executor.execute(queuedRan::incrementAndGet);

    executor.shutdown();
    assertThat(executor.isShutdown()).isTrue();
    assertThat(executor.isTerminated()).isFalse();
    assertThat(executor.awaitTermination(0, TimeUnit.NANOSECONDS)).isFalse();
    assertThatThrownBy(() -> executor.execute(queuedRan::incrementAndGet))
        .isInstanceOf(RejectedExecutionException.class)
        .hasMessageContaining("shut down");
    assertThatThrownBy(() -> executor.submit(() -> 1))
        .isInstanceOf(RejectedExecutionException.class);

    gate.countDown();
    assertThat(executor.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
    assertThat(executor.isTerminated()).isTrue();
    assertThat(queuedRan.get()).isEqualTo(2);
    assertThat(semaphore.available()).isEqualTo(1);
    assertThat(semaphore.isClosed()).isFalse(); // the executor does not own the semaphore
  }

  @Test
  void shutdown_of_an_idle_executor_terminates_at_once() throws Exception {
    LocalSemaphore semaphore = Semaphore.of(1);
    BoundedExecutor executor = BoundedExecutor.create(semaphore);
    assertThat(executor.isShutdown()).isFalse();
    assertThat(executor.isTerminated()).isFalse();
    executor.shutdown();
    assertThat(executor.isTerminated()).isTrue();
    assertThat(executor.awaitTermination(0, TimeUnit.NANOSECONDS)).isTrue();
  }

  @Test
  void shutdown_now_returns_never_started_tasks_and_interrupts_running_ones() throws Exception {
    LocalSemaphore semaphore = Semaphore.of(2);
    BoundedExecutor executor = BoundedExecutor.create(semaphore);
    CountDownLatch started = new CountDownLatch(2);
    CountDownLatch interrupted = new CountDownLatch(2);
    CountDownLatch finish = new CountDownLatch(1);
    Runnable blocker =
        () -> {
          started.countDown();
          try {
            new CountDownLatch(1).await();
          } catch (InterruptedException e) {
            interrupted.countDown();
          }
          awaitUninterruptibly(finish); // keep the permit a while after the interrupt
        };
    executor.execute(blocker);
    executor.execute(blocker);
    started.await();
    AtomicInteger ran = new AtomicInteger();
    Runnable c = ran::incrementAndGet;
    Runnable d = ran::incrementAndGet;
    Runnable e = ran::incrementAndGet;
    executor.execute(c);
    executor.execute(d);
    executor.execute(e);
    assertThat(semaphore.waiting()).isEqualTo(3);

    List<Runnable> neverStarted = executor.shutdownNow();

    assertThat(neverStarted).containsExactly(c, d, e);
    assertThat(semaphore.waiting()).isZero(); // withdrawn from the semaphore's queue
    interrupted.await();
    assertThat(executor.isTerminated()).isFalse();
    assertThat(semaphore.available()).isZero();

    finish.countDown();
    assertThat(executor.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
    assertThat(ran.get()).isZero();
    assertThat(semaphore.available()).isEqualTo(2);
    assertThatThrownBy(() -> executor.execute(c)).isInstanceOf(RejectedExecutionException.class);
  }

  @Test
  void shutdown_now_racing_grants_loses_no_permit_and_no_task() throws Exception {
    for (int round = 0; round < 200; round++) {
      LocalSemaphore semaphore = Semaphore.of(3);
      BoundedExecutor executor = BoundedExecutor.create(semaphore);
      AtomicInteger ran = new AtomicInteger();
      Runnable task = ran::incrementAndGet;
      for (int i = 0; i < 50; i++) {
        executor.execute(task);
      }
      List<Runnable> neverStarted = executor.shutdownNow();
      assertThat(executor.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
      assertThat(ran.get() + neverStarted.size()).as("round %d", round).isEqualTo(50);
      assertThat(semaphore.available()).as("round %d", round).isEqualTo(3);
      assertThat(semaphore.waiting()).as("round %d", round).isZero();
    }
  }

  @Test
  void shutdown_now_racing_submitters_loses_no_permit() throws Exception {
    for (int round = 0; round < 100; round++) {
      LocalSemaphore semaphore = Semaphore.of(2);
      BoundedExecutor executor = BoundedExecutor.create(semaphore);
      AtomicInteger ran = new AtomicInteger();
      AtomicInteger rejected = new AtomicInteger();
      AtomicInteger accepted = new AtomicInteger();
      CountDownLatch go = new CountDownLatch(1);
      List<Thread> submitters = new ArrayList<>();
      for (int s = 0; s < 4; s++) {
        submitters.add(
            Thread.ofPlatform()
                .start(
                    () -> {
                      awaitUninterruptibly(go);
                      for (int i = 0; i < 50; i++) {
                        try {
                          executor.execute(ran::incrementAndGet);
                          accepted.incrementAndGet();
                        } catch (RejectedExecutionException e) {
                          rejected.incrementAndGet();
                        }
                      }
                    }));
      }
      go.countDown();
      List<Runnable> neverStarted = executor.shutdownNow();
      for (Thread submitter : submitters) {
        submitter.join();
      }
      assertThat(executor.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
      assertThat(accepted.get() + rejected.get()).isEqualTo(200);
      assertThat(ran.get() + neverStarted.size()).as("round %d", round)
          .isEqualTo(accepted.get());
      assertThat(semaphore.available()).as("round %d", round).isEqualTo(2);
      assertThat(semaphore.waiting()).as("round %d", round).isZero();
    }
  }

  @Test
  void close_waits_for_queued_and_running_tasks() throws Exception {
    LocalSemaphore semaphore = Semaphore.of(2);
    BoundedExecutor executor = BoundedExecutor.create(semaphore);
    CountDownLatch gate = new CountDownLatch(1);
    AtomicInteger done = new AtomicInteger();
    for (int i = 0; i < 5; i++) {
      executor.execute(
          () -> {
            awaitUninterruptibly(gate);
            done.incrementAndGet();
          });
    }
    AtomicInteger doneWhenClosed = new AtomicInteger(-1);
    AtomicBoolean flagAfterClose = new AtomicBoolean(true);
    Thread closer =
        Thread.ofPlatform()
            .start(
                () -> {
                  executor.close();
                  doneWhenClosed.set(done.get());
                  flagAfterClose.set(Thread.currentThread().isInterrupted());
                });
    awaitBlocked(closer);
    assertThat(doneWhenClosed.get()).isEqualTo(-1);
    assertThat(executor.isShutdown()).isTrue();

    gate.countDown();
    closer.join();
    assertThat(doneWhenClosed.get()).isEqualTo(5);
    assertThat(flagAfterClose).as("interrupt flag after an uninterrupted close()").isFalse();
    assertThat(executor.isTerminated()).isTrue();
    assertThat(semaphore.available()).isEqualTo(2);
    assertThat(semaphore.isClosed()).isFalse();
  }

  @Test
  void close_interrupted_while_waiting_stops_the_tasks_and_sets_the_flag_again() throws Exception {
    LocalSemaphore semaphore = Semaphore.of(1);
    BoundedExecutor executor = BoundedExecutor.create(semaphore);
    CountDownLatch started = new CountDownLatch(1);
    AtomicBoolean runningWasInterrupted = new AtomicBoolean();
    executor.execute(
        () -> {
          started.countDown();
          try {
            new CountDownLatch(1).await(); // until shutdownNow() interrupts it
          } catch (InterruptedException e) {
            runningWasInterrupted.set(true);
          }
        });
    started.await();
    AtomicInteger queuedRan = new AtomicInteger();
    executor.execute(queuedRan::incrementAndGet);
    AtomicBoolean flagAfterClose = new AtomicBoolean();
    Thread closer =
        Thread.ofPlatform()
            .start(
                () -> {
                  executor.close();
                  flagAfterClose.set(Thread.currentThread().isInterrupted());
                });
    awaitBlocked(closer);

    closer.interrupt(); // close() turns to shutdownNow() and goes on waiting

    closer.join();
    assertThat(flagAfterClose).as("interrupt flag after an interrupted close()").isTrue();
    assertThat(runningWasInterrupted).isTrue();
    assertThat(queuedRan.get()).isZero();
    assertThat(executor.isTerminated()).isTrue();
    assertThat(semaphore.available()).isEqualTo(1);
    assertThat(semaphore.waiting()).isZero();
  }

  @Test
  void shutdown_now_rejects_a_submitter_blocked_for_a_queue_slot() throws Exception {
    LocalSemaphore semaphore = Semaphore.of(1);
    BoundedExecutor executor =
        BoundedExecutor.builder(semaphore).maxQueued(1).blockWhenFull().build();
    CountDownLatch gate = new CountDownLatch(1);
    Runnable running = () -> awaitUninterruptibly(gate);
    Runnable queued = () -> {};
    executor.execute(running);
    executor.execute(queued); // fills the queue

    AtomicReference<Throwable> thrown = new AtomicReference<>();
    Thread submitter =
        Thread.ofPlatform()
            .start(
                () -> {
                  try {
                    executor.execute(() -> {});
                  } catch (Throwable t) {
                    thrown.set(t);
                  }
                });
    awaitBlocked(submitter);
    assertThat(executor.shutdownNow()).containsExactly(queued);
    submitter.join();
    assertThat(thrown.get())
        .isInstanceOf(RejectedExecutionException.class)
        .hasMessageContaining("shut down");

    gate.countDown();
    assertThat(executor.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
    assertThat(semaphore.available()).isEqualTo(1);
  }

  @Test
  void a_semaphore_closed_after_shutdown_drops_the_queued_tasks_and_terminates_the_executor()
      throws Exception {
    LocalSemaphore semaphore = Semaphore.of(1);
    Permit outside = semaphore.acquire(); // held by other code: the executor's tasks wait
    BoundedExecutor executor = BoundedExecutor.create(semaphore);
    AtomicInteger ran = new AtomicInteger();
    executor.execute(ran::incrementAndGet);
    executor.execute(ran::incrementAndGet);
    executor.shutdown();
    assertThat(executor.isTerminated()).isFalse();

    semaphore.close(); // fails both requests; each is settled on this thread, before close returns

    assertThat(executor.isTerminated()).isTrue();
    assertThat(executor.queued()).isZero();
    assertThat(ran.get()).isZero();
    outside.close();
    assertThat(semaphore.available()).isEqualTo(1);
  }

  @Test
  void to_string_names_the_semaphore_the_run_state_the_counts_and_the_bound() throws Exception {
    LocalSemaphore semaphore = LocalSemaphore.builder().name("db").limit(1).build();
    String db = "BoundedExecutor[semaphore 'db', ";
    assertThat(BoundedExecutor.builder(semaphore).maxQueued(2).build())
        .hasToString(db + "running, queued 0, running 0, maxQueued 2 (reject)]");
    assertThat(BoundedExecutor.builder(semaphore).maxQueued(3).blockWhenFull().build())
        .hasToString(db + "running, queued 0, running 0, maxQueued 3 (block)]");

    BoundedExecutor executor = BoundedExecutor.create(semaphore);
    assertThat(executor).hasToString(db + "running, queued 0, running 0]");
    CountDownLatch started = new CountDownLatch(1);
    CountDownLatch gate = new CountDownLatch(1);
    executor.execute(
        () -> {
          started.countDown();
          awaitUninterruptibly(gate); // ignores shutdownNow's interrupt
        });
    started.await();
    executor.execute(() -> {});
    assertThat(executor).hasToString(db + "running, queued 1, running 1]");
    executor.shutdown();
    assertThat(executor).hasToString(db + "shut down, queued 1, running 1]");
    executor.shutdownNow();
    assertThat(executor).hasToString(db + "stopping, queued 0, running 1]");
    gate.countDown();
    assertThat(executor.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
    assertThat(executor).hasToString(db + "terminated, queued 0, running 0]");
  }

  @Test
  void a_thread_factory_that_fails_after_shutdown_drops_the_tasks_and_the_executor_terminates()
      throws Exception {
    LocalSemaphore semaphore = Semaphore.of(1);
    Permit outside = semaphore.acquire();
    BoundedExecutor executor = BoundedExecutor.builder(semaphore).threadFactory(r -> null).build();
    Future<String> submitted = executor.submit(() -> "never");
    AtomicInteger ran = new AtomicInteger();
    executor.execute(ran::incrementAndGet); // no Future to fail: dropped, with a logged warning
    executor.shutdown();

    outside.close(); // grants both in turn on this thread; the factory fails each time

    assertThat(executor.isTerminated()).isTrue();
    assertThatThrownBy(submitted::get)
        .isInstanceOf(ExecutionException.class)
        .cause()
        .isInstanceOf(RejectedExecutionException.class)
        .hasMessageContaining("returned null");
    assertThat(ran.get()).isZero();
    assertThat(semaphore.available()).isEqualTo(1);
  }

  // ---------------------------------------------------------------- threads

  @Test
  void each_task_runs_on_a_new_thread_from_the_factory() throws Exception {
    LocalSemaphore semaphore = Semaphore.of(2);
    CountingFactory factory = new CountingFactory();
    Queue<Thread> threads = new ConcurrentLinkedQueue<>();
    try (BoundedExecutor executor =
        BoundedExecutor.builder(semaphore).threadFactory(factory).build()) {
      for (int i = 0; i < 5; i++) {
        executor.execute(() -> threads.add(Thread.currentThread()));
      }
    }
    assertThat(factory.created.get()).isEqualTo(5);
    assertThat(threads).hasSize(5).doesNotHaveDuplicates();
    assertThat(threads).allSatisfy(t -> assertThat(t.getName()).startsWith("counted-"));
  }

  @Test
  void the_runnable_given_to_the_thread_factory_describes_the_task() throws Exception {
    LocalSemaphore semaphore = Semaphore.of(1);
    Runnable command =
        new Runnable() {
          @Override
          public void run() {}

          @Override
          public String toString() {
            return "the command";
          }
        };
    AtomicReference<String> described = new AtomicReference<>();
    ThreadFactory virtual = Thread.ofVirtual().factory();
    ThreadFactory describing =
        r -> {
          described.set(r.toString());
          return virtual.newThread(r);
        };
    try (BoundedExecutor executor =
        BoundedExecutor.builder(semaphore).threadFactory(describing).build()) {
      executor.execute(command);
    }
    assertThat(described).hasValue("the command");
  }

  @Test
  void the_default_factory_makes_named_virtual_threads() throws Exception {
    LocalSemaphore semaphore = LocalSemaphore.builder().name("db").limit(1).build();
    AtomicReference<Thread> thread = new AtomicReference<>();
    try (BoundedExecutor executor = BoundedExecutor.create(semaphore)) {
      executor.execute(() -> thread.set(Thread.currentThread()));
    }
    assertThat(thread.get().isVirtual()).isTrue();
    assertThat(thread.get().getName()).isEqualTo("permits-db-task-1");
  }

  @Test
  void a_thread_factory_returning_null_rejects_the_task_and_keeps_the_permit() throws Exception {
    LocalSemaphore semaphore = Semaphore.of(1);
    BoundedExecutor executor = BoundedExecutor.builder(semaphore).threadFactory(r -> null).build();
    AtomicInteger ran = new AtomicInteger();
    assertThatThrownBy(() -> executor.execute(ran::incrementAndGet))
        .isInstanceOf(RejectedExecutionException.class)
        .hasMessageContaining("returned null");
    assertThat(semaphore.available()).isEqualTo(1);
    executor.shutdown();
    assertThat(executor.isTerminated()).isTrue();
    assertThat(ran.get()).isZero();
  }

  @Test
  void a_thread_factory_that_throws_fails_a_queued_task_and_keeps_the_permit() throws Exception {
    LocalSemaphore semaphore = Semaphore.of(1);
    AtomicInteger calls = new AtomicInteger();
    ThreadFactory virtual = Thread.ofVirtual().factory();
    ThreadFactory failingSecond =
        r -> {
          if (calls.incrementAndGet() == 2) {
            throw new IllegalStateException("no thread for you");
          }
          return virtual.newThread(r);
        };
    BoundedExecutor executor =
        BoundedExecutor.builder(semaphore).threadFactory(failingSecond).build();
    CountDownLatch gate = new CountDownLatch(1);
    CountDownLatch started = new CountDownLatch(1);
    executor.execute(
        () -> {
          started.countDown();
          awaitUninterruptibly(gate);
        });
    started.await();
    Future<String> second = executor.submit(() -> "second"); // its thread will fail
    Future<String> third = executor.submit(() -> "third");

    gate.countDown();
    assertThatThrownBy(second::get)
        .isInstanceOf(ExecutionException.class)
        .cause()
        .isInstanceOf(RejectedExecutionException.class)
        .hasRootCauseMessage("no thread for you");
    assertThat(third.get()).isEqualTo("third");

    executor.shutdown();
    assertThat(executor.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
    assertThat(semaphore.available()).isEqualTo(1);
  }

  // ---------------------------------------------------------------- a closed semaphore

  @Test
  void a_semaphore_closed_while_tasks_wait_drops_them_and_the_executor_terminates()
      throws Exception {
    LocalSemaphore semaphore = Semaphore.of(1);
    BoundedExecutor executor = BoundedExecutor.create(semaphore);
    CountDownLatch gate = new CountDownLatch(1);
    CountDownLatch started = new CountDownLatch(1);
    Future<String> running =
        executor.submit(
            () -> {
              started.countDown();
              awaitUninterruptibly(gate);
              return "ran";
            });
    started.await();
    Future<String> queued1 = executor.submit(() -> "never");
    AtomicInteger plainRan = new AtomicInteger();
    executor.execute(plainRan::incrementAndGet);
    assertThat(executor.queued()).isEqualTo(2);

    semaphore.close();

    assertThatThrownBy(queued1::get)
        .isInstanceOf(ExecutionException.class)
        .hasCauseInstanceOf(SemaphoreClosedException.class);
    assertThat(executor.queued()).isZero();
    assertThatThrownBy(() -> executor.execute(plainRan::incrementAndGet))
        .isInstanceOf(RejectedExecutionException.class)
        .hasMessageContaining("closed");

    gate.countDown();
    assertThat(running.get()).isEqualTo("ran");
    executor.shutdown();
    assertThat(executor.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
    assertThat(plainRan.get()).isZero();
    assertThat(semaphore.available()).isEqualTo(1);
  }

  @Test
  void a_semaphore_closing_while_tasks_are_submitted_loses_no_permit() throws Exception {
    for (int round = 0; round < 100; round++) {
      LocalSemaphore semaphore = Semaphore.of(2);
      BoundedExecutor executor = BoundedExecutor.create(semaphore);
      CountDownLatch go = new CountDownLatch(1);
      Thread closer =
          Thread.ofPlatform()
              .start(
                  () -> {
                    awaitUninterruptibly(go);
                    semaphore.close();
                  });
      List<Future<?>> futures = new ArrayList<>();
      int rejected = 0;
      go.countDown();
      for (int i = 0; i < 100; i++) {
        try {
          futures.add(executor.submit(() -> {}));
        } catch (RejectedExecutionException e) {
          rejected++;
        }
      }
      closer.join();
      executor.shutdown();
      assertThat(executor.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
      assertThat(futures.size() + rejected).isEqualTo(100);
      assertThat(futures).as("round %d", round).allSatisfy(f -> assertThat(f).isDone());
      assertThat(semaphore.available()).as("round %d", round).isEqualTo(2);
    }
  }

  // ---------------------------------------------------------------- arguments

  @Test
  void bad_arguments_fail_at_once_naming_the_value() {
    LocalSemaphore semaphore = Semaphore.of(1);
    assertThatThrownBy(() -> BoundedExecutor.create(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessageContaining("semaphore");
    assertThatThrownBy(() -> BoundedExecutor.builder(semaphore).maxQueued(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("maxQueued")
        .hasMessageContaining("was 0");
    assertThatThrownBy(() -> BoundedExecutor.builder(semaphore).threadFactory(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessageContaining("threadFactory");
    try (BoundedExecutor executor = BoundedExecutor.create(semaphore)) {
      assertThatThrownBy(() -> executor.execute(null))
          .isInstanceOf(NullPointerException.class)
          .hasMessageContaining("command");
    }
  }

  // ---------------------------------------------------------------- helpers

  /** Counts the threads it makes (virtual, named counted-n). */
  private static final class CountingFactory implements ThreadFactory {
    final AtomicInteger created = new AtomicInteger();
    private final ThreadFactory delegate = Thread.ofVirtual().name("counted-", 1).factory();

    @Override
    public Thread newThread(Runnable r) {
      created.incrementAndGet();
      return delegate.newThread(r);
    }
  }

  /** Waits until {@code thread} parks (or ends), then checks that it is parked. */
  private static void awaitBlocked(Thread thread) {
    awaitTrue(
        () ->
            switch (thread.getState()) {
              case WAITING, TIMED_WAITING, TERMINATED -> true;
              default -> false;
            });
    assertThat(thread.getState()).isIn(Thread.State.WAITING, Thread.State.TIMED_WAITING);
  }

}
