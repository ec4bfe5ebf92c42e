package io.permits;

import static io.permits.Waits.awaitTrue;
import static io.permits.Waits.awaitUninterruptibly;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Pins the narrow windows of {@link BoundedExecutor} open with a semaphore whose requests the
 * test controls, so that each race is played out in one chosen order rather than hoped for.
 */
@Timeout(30)
class BoundedExecutorRaceTest {

  @Test
  void the_executor_is_not_terminated_until_withdrawn_requests_are_cancelled() throws Exception {
    ControlledSemaphore semaphore = new ControlledSemaphore(1);
    BoundedExecutor executor = BoundedExecutor.create(semaphore);
    Runnable task = () -> {};
    executor.execute(task); // its request stays pending
    AtomicReference<List<Runnable>> neverStarted = new AtomicReference<>();
    Thread stopper = Thread.ofPlatform().start(() -> neverStarted.set(executor.shutdownNow()));

    semaphore.cancelEntered.await(); // shutdownNow is inside the request's cancel()
    assertThat(executor.isShutdown()).isTrue();
    assertThat(executor.isTerminated()).isFalse();
    assertThat(executor.awaitTermination(0, TimeUnit.NANOSECONDS)).isFalse();

    semaphore.cancelGate.countDown();
    stopper.join();
    assertThat(neverStarted.get()).containsExactly(task);
    assertThat(executor.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
    assertThat(semaphore.available()).isEqualTo(1);
  }

  @Test
  void a_grant_that_beats_the_cancel_of_a_withdrawn_task_is_closed_at_once() throws Exception {
    ControlledSemaphore semaphore = new ControlledSemaphore(1);
    semaphore.grantBeforeCancel = true;
    semaphore.cancelGate.countDown();
    BoundedExecutor executor = BoundedExecutor.create(semaphore);
    AtomicBoolean ran = new AtomicBoolean();
    Runnable task = () -> ran.set(true);
    executor.execute(task);

    List<Runnable> neverStarted = executor.shutdownNow(); // the grant lands inside cancel()

    assertThat(neverStarted).containsExactly(task);
    assertThat(executor.isTerminated()).isTrue();
    assertThat(semaphore.available()).isEqualTo(1);
    assertThat(ran).isFalse();
  }

  @Test
  void a_task_withdrawn_before_its_request_is_stored_has_the_request_cancelled()
      throws Exception {
    ControlledSemaphore semaphore = new ControlledSemaphore(1);
    semaphore.cancelGate.countDown();
    semaphore.requestGate = new CountDownLatch(1);
    BoundedExecutor executor = BoundedExecutor.create(semaphore);
    Runnable task = () -> {};
    Thread submitter = Thread.ofPlatform().start(() -> executor.execute(task));
    semaphore.requestEntered.await(); // queued in the executor, request not yet returned

    assertThat(executor.shutdownNow()).containsExactly(task);
    assertThat(executor.isTerminated()).isFalse();

    semaphore.requestGate.countDown();
    submitter.join(); // execute() returns without throwing: shutdownNow listed the task
    assertThat(semaphore.lastRequest.get()).isCancelled();
    assertThat(executor.isTerminated()).isTrue();
  }

  @Test
  void a_request_failed_at_once_is_thrown_from_execute() throws Exception {
    ControlledSemaphore semaphore = new ControlledSemaphore(1);
    semaphore.failRequests = true; // the semaphore closes between the check and the request
    BoundedExecutor executor = BoundedExecutor.create(semaphore);
    AtomicBoolean ran = new AtomicBoolean();

    assertThatThrownBy(() -> executor.execute(() -> ran.set(true)))
        .isInstanceOf(RejectedExecutionException.class)
        .hasCauseInstanceOf(SemaphoreClosedException.class);
    assertThatThrownBy(() -> executor.submit(() -> ran.set(true)))
        .isInstanceOf(RejectedExecutionException.class);
    assertThat(executor.queued()).isZero();
    executor.shutdown();
    assertThat(executor.isTerminated()).isTrue();
    assertThat(ran).isFalse();
  }

  @Test
  void a_request_refused_with_an_exception_is_rejected_and_leaves_no_queue_entry() {
    ControlledSemaphore semaphore = new ControlledSemaphore(1);
    semaphore.throwOnRequest = true;
    BoundedExecutor executor = BoundedExecutor.builder(semaphore).maxQueued(1).build();

    for (int i = 0; i < 3; i++) { // a leaked queue entry would make the second one "full"
      assertThatThrownBy(() -> executor.execute(() -> {}))
          .isInstanceOf(RejectedExecutionException.class)
          .hasMessageContaining("refused")
          .hasCauseInstanceOf(SemaphoreClosedException.class);
    }
    assertThat(executor.queued()).isZero();
    executor.shutdown();
    assertThat(executor.isTerminated()).isTrue();
  }

  @Test
  void a_task_granted_before_shutdown_now_but_started_after_it_runs_interrupted()
      throws Exception {
    LocalSemaphore semaphore = Semaphore.of(1);
    CountDownLatch inFactory = new CountDownLatch(1);
    CountDownLatch factoryGate = new CountDownLatch(1);
    ThreadFactory virtual = Thread.ofVirtual().factory();
    ThreadFactory slow =
        r -> {
          inFactory.countDown();
          awaitUninterruptibly(factoryGate);
          return virtual.newThread(r);
        };
    BoundedExecutor executor = BoundedExecutor.builder(semaphore).threadFactory(slow).build();
    AtomicBoolean sawInterrupt = new AtomicBoolean();
    CountDownLatch ran = new CountDownLatch(1);
    Thread submitter =
        Thread.ofPlatform()
            .start(
                () ->
                    executor.execute(
                        () -> {
                          sawInterrupt.set(Thread.currentThread().isInterrupted());
                          ran.countDown();
                        }));
    inFactory.await(); // the task holds its permit; its thread does not exist yet

    assertThat(executor.shutdownNow()).isEmpty();
    assertThat(executor.running()).isEqualTo(1);

    factoryGate.countDown();
    submitter.join();
    ran.await();
    assertThat(sawInterrupt).isTrue();
    assertThat(executor.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
    assertThat(semaphore.available()).isEqualTo(1);
  }

  @Test
  void a_request_refused_after_shutdown_now_listed_its_task_is_not_thrown() throws Exception {
    ControlledSemaphore semaphore = new ControlledSemaphore(1);
    semaphore.throwOnRequest = true;
    semaphore.requestGate = new CountDownLatch(1);
    BoundedExecutor executor = BoundedExecutor.create(semaphore);
    Runnable task = () -> {};
    AtomicReference<Throwable> thrown = new AtomicReference<>();
    Thread submitter = Thread.ofPlatform().start(() -> thrown.set(executeCatching(executor, task)));
    semaphore.requestEntered.await(); // queued in the executor, its request being refused

    assertThat(executor.shutdownNow()).containsExactly(task);
    assertThat(executor.isTerminated()).isFalse();

    semaphore.requestGate.countDown();
    submitter.join();
    assertThat(thrown.get()).as("execute() of a task shutdownNow() listed").isNull();
    assertThat(executor.isTerminated()).isTrue();
  }

  @Test
  void a_request_refused_after_shutdown_terminates_the_executor() throws Exception {
    ControlledSemaphore semaphore = new ControlledSemaphore(1);
    semaphore.throwOnRequest = true;
    semaphore.requestGate = new CountDownLatch(1);
    BoundedExecutor executor = BoundedExecutor.create(semaphore);
    AtomicReference<Throwable> thrown = new AtomicReference<>();
    Thread submitter =
        Thread.ofPlatform().start(() -> thrown.set(executeCatching(executor, () -> {})));
    semaphore.requestEntered.await();

    executor.shutdown();
    assertThat(executor.isTerminated()).isFalse(); // the task is still queued

    semaphore.requestGate.countDown();
    submitter.join();
    assertThat(thrown.get())
        .isInstanceOf(RejectedExecutionException.class)
        .hasMessageContaining("refused");
    assertThat(executor.isTerminated()).isTrue();
  }

  @Test
  void a_request_refused_frees_its_queue_slot_for_a_blocked_submitter() throws Exception {
    ControlledSemaphore semaphore = new ControlledSemaphore(1);
    semaphore.throwOnRequest = true;
    semaphore.requestGate = new CountDownLatch(1);
    BoundedExecutor executor =
        BoundedExecutor.builder(semaphore).maxQueued(1).blockWhenFull().build();
    AtomicReference<Throwable> first = new AtomicReference<>();
    AtomicReference<Throwable> second = new AtomicReference<>();
    Thread firstSubmitter =
        Thread.ofPlatform().start(() -> first.set(executeCatching(executor, () -> {})));
    semaphore.requestEntered.await(); // the only slot is taken
    Thread secondSubmitter =
        Thread.ofPlatform().start(() -> second.set(executeCatching(executor, () -> {})));
    awaitTrue(() -> secondSubmitter.getState() == Thread.State.WAITING);
    assertThat(executor.queued()).isEqualTo(1);

    semaphore.requestGate.countDown(); // the first request is refused: its slot is free

    firstSubmitter.join();
    secondSubmitter.join(); // let in, then refused in turn
    assertThat(first.get()).isInstanceOf(RejectedExecutionException.class);
    assertThat(second.get())
        .isInstanceOf(RejectedExecutionException.class)
        .hasMessageContaining("refused");
    assertThat(executor.queued()).isZero();
    executor.shutdown();
    assertThat(executor.isTerminated()).isTrue();
  }

  @Test
  void a_request_failed_through_a_dependent_stage_fails_the_task_with_the_cause_unwrapped()
      throws Exception {
    ControlledSemaphore semaphore = new ControlledSemaphore(1);
    semaphore.dependentRequests = true;
    BoundedExecutor executor = BoundedExecutor.create(semaphore);
    Future<String> task = executor.submit(() -> "never");

    SemaphoreClosedException closed = new SemaphoreClosedException("closed (test)");
    semaphore.lastRequest.get().completeExceptionally(closed); // the stage fails wrapped

    assertThatThrownBy(task::get).isInstanceOf(ExecutionException.class).cause().isSameAs(closed);
    assertThat(executor.queued()).isZero();
    executor.shutdown();
    assertThat(executor.isTerminated()).isTrue();
  }

  @Test
  void a_request_completed_with_null_fails_the_task_with_a_cause() throws Exception {
    // Semaphore is open to other implementations; one that completes a request with null
    // failed the task with no cause at all (found by NullAway)
    ControlledSemaphore semaphore = new ControlledSemaphore(1);
    semaphore.dependentRequests = true;
    BoundedExecutor executor = BoundedExecutor.create(semaphore);
    Future<String> task = executor.submit(() -> "never");

    semaphore.lastRequest.get().complete(null);

    assertThatThrownBy(task::get)
        .isInstanceOf(ExecutionException.class)
        .cause()
        .isInstanceOf(NullPointerException.class)
        .hasMessageContaining("semaphore 'controlled' granted null");
    assertThat(executor.queued()).isZero();
    executor.shutdown();
    assertThat(executor.isTerminated()).isTrue();
  }

  @Test
  void a_request_granted_null_at_once_is_rejected_with_a_cause() {
    ControlledSemaphore semaphore = new ControlledSemaphore(1);
    semaphore.nullGrants = true;
    BoundedExecutor executor = BoundedExecutor.create(semaphore);

    assertThatThrownBy(() -> executor.execute(() -> {}))
        .isInstanceOf(RejectedExecutionException.class)
        .cause()
        .isInstanceOf(NullPointerException.class)
        .hasMessageContaining("granted null");
    executor.shutdown();
    assertThat(executor.isTerminated()).isTrue();
  }

  // ---------------------------------------------------------------- helpers

  /**
   * A semaphore whose {@code acquireAsync} the test controls: by default each request stays
   * pending until cancelled, and cancel() first signals {@link #cancelEntered} and waits for
   * {@link #cancelGate}. Other calls go to a real {@link LocalSemaphore}.
   */
  private static final class ControlledSemaphore implements Semaphore {
    final LocalSemaphore delegate;
    final CountDownLatch cancelEntered = new CountDownLatch(1);
    final CountDownLatch cancelGate = new CountDownLatch(1);
    volatile boolean grantBeforeCancel; // a permit is granted inside cancel(), before it acts
    volatile boolean failRequests; // requests fail at once, as on a closed semaphore
    volatile boolean throwOnRequest; // acquireAsync throws, as on a closed semaphore
    volatile boolean dependentRequests; // acquireAsync returns a stage depending on lastRequest
    volatile boolean nullGrants; // requests complete at once with null, as no semaphore should
    volatile CountDownLatch requestGate; // if set, acquireAsync waits for it (then may throw)
    final CountDownLatch requestEntered = new CountDownLatch(1);
    final AtomicReference<CompletableFuture<Permit>> lastRequest = new AtomicReference<>();

    ControlledSemaphore(int limit) {
      this.delegate = Semaphore.of(limit);
    }

    @Override
    public CompletableFuture<Permit> acquireAsync(int permits) {
      requestEntered.countDown();
      CountDownLatch gate = requestGate;
      if (gate != null) {
        awaitUninterruptibly(gate);
      }
      if (throwOnRequest) {
        throw new SemaphoreClosedException("closed (test)");
      }
      if (failRequests) {
        return CompletableFuture.failedFuture(new SemaphoreClosedException("closed (test)"));
      }
      if (nullGrants) {
        return CompletableFuture.completedFuture(null);
      }
      if (dependentRequests) {
        CompletableFuture<Permit> source = new CompletableFuture<>();
        lastRequest.set(source);
        return source.thenApply(permit -> permit);
      }
      CompletableFuture<Permit> request = new CompletableFuture<>() {
        @Override
        public boolean cancel(boolean mayInterruptIfRunning) {
          cancelEntered.countDown();
          awaitUninterruptibly(cancelGate);
          if (grantBeforeCancel) {
            complete(delegate.tryAcquire(permits).orElseThrow());
          }
          return super.cancel(mayInterruptIfRunning);
        }
      };
      lastRequest.set(request);
      return request;
    }

    @Override
    public String name() {
      return "controlled";
    }

    @Override
    public int limit() {
      return delegate.limit();
    }

    @Override
    public int available() {
      return delegate.available();
    }

    @Override
    public int waiting() {
      return delegate.waiting();
    }

    @Override
    public Permit acquire(int permits) throws InterruptedException {
      return delegate.acquire(permits);
    }

    @Override
    public Optional<Permit> tryAcquire(int permits) {
      return delegate.tryAcquire(permits);
    }

    @Override
    public Optional<Permit> tryAcquire(int permits, Duration timeout)
        throws InterruptedException {
      return delegate.tryAcquire(permits, timeout);
    }

    @Override
    public void setLimit(int limit) {
      delegate.setLimit(limit);
    }

    @Override
    public SemaphoreStats stats() {
      return delegate.stats();
    }

    @Override
    public boolean isClosed() {
      return delegate.isClosed();
    }

    @Override
    public void close() {
      delegate.close();
    }
  }

  /** Runs {@code execute(task)} and returns what it threw, or null. */
  private static Throwable executeCatching(BoundedExecutor executor, Runnable task) {
    try {
      executor.execute(task);
      return null;
    } catch (Throwable t) {
      return t;
    }
  }

}
