package io.permits.tck;

import static org.assertj.core.api.Assertions.assertThat;

import io.permits.Permit;
import io.permits.Semaphore;
import io.permits.SemaphoreClosedException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Asynchronous requests: {@code acquireAsync} waits in the same queue as blocking requests; its
 * future completes when permits are granted, and completing it any other way withdraws the
 * request. Futures are completed outside the semaphore's lock (rule 8).
 */
public interface AsyncContract extends BackendUnderTest {

  /**
   * An async request for a free permit completes with a held permit.
   *
   * @throws Exception if the backend throws where the contract says it must not
   */
  @Test
  default void anAsyncRequestForAFreePermitCompletes() throws Exception {
    Semaphore semaphore = semaphore(2);
    Permit permit = Pending.acquireAsync(semaphore, 1).granted();
    assertThat(permit.isHeld()).isTrue();
    assertThat(permit.permits()).isEqualTo(1);
    assertThat(semaphore.available()).isEqualTo(1);
    permit.close();
    assertThat(semaphore.available()).isEqualTo(2);
  }

  /**
   * An async request waits without blocking the caller and completes on a release.
   *
   * @throws Exception if the backend throws where the contract says it must not
   */
  @Test
  default void anAsyncRequestCompletesWhenAPermitIsReleased() throws Exception {
    Semaphore semaphore = semaphore(1);
    Permit holder = semaphore.acquire();

    CompletableFuture<Permit> future = semaphore.acquireAsync();
    Await.waiting(semaphore, 1);
    assertThat(future).isNotDone();

    holder.close();

    try (Permit permit = future.get(Await.PATIENCE.toNanos(), TimeUnit.NANOSECONDS)) {
      assertThat(permit.isHeld()).isTrue();
      assertThat(semaphore.waiting()).isZero();
      assertThat(semaphore.available()).isZero();
    }
  }

  /**
   * Cancelling a waiting future withdraws the request: it leaves the queue and a later release
   * is not spent on it.
   *
   * @param mayInterruptIfRunning passed to {@code cancel}
   * @throws Exception if the backend throws where the contract says it must not
   */
  @ParameterizedTest(name = "cancel({0})")
  @ValueSource(booleans = {false, true})
  default void cancellingAFutureWithdrawsTheRequest(boolean mayInterruptIfRunning)
      throws Exception {
    Semaphore semaphore = semaphore(1);
    Permit holder = semaphore.acquire();
    CompletableFuture<Permit> future = semaphore.acquireAsync();
    Await.waiting(semaphore, 1);

    assertThat(future.cancel(mayInterruptIfRunning)).isTrue();

    assertThat(future).isCancelled();
    Await.state(semaphore, 0, 0);
    holder.close();
    assertThat(semaphore.available())
        .as("a release after the cancel was spent on the cancelled request")
        .isEqualTo(1);
  }

  /**
   * After a cancelled request leaves, a release goes to the request behind it.
   *
   * @throws Exception if the backend throws where the contract says it must not
   */
  @Test
  default void aCancelledRequestDoesNotTakeALaterRelease() throws Exception {
    Semaphore semaphore = semaphore(1);
    Permit holder = semaphore.acquire();
    CompletableFuture<Permit> cancelled = semaphore.acquireAsync();
    Await.waiting(semaphore, 1);
    CompletableFuture<Permit> patient = semaphore.acquireAsync();
    Await.waiting(semaphore, 2);

    assertThat(cancelled.cancel(false)).isTrue();
    Await.waiting(semaphore, 1);
    holder.close();

    try (Permit permit = patient.get(Await.PATIENCE.toNanos(), TimeUnit.NANOSECONDS)) {
      assertThat(permit.isHeld()).isTrue();
    }
    assertThat(semaphore.available()).isEqualTo(1);
  }

  /**
   * A future completed exceptionally by the caller withdraws its request, like a cancel.
   *
   * @throws Exception if the backend throws where the contract says it must not
   */
  @Test
  default void aFutureCompletedByTheCallerWithdrawsTheRequest() throws Exception {
    Semaphore semaphore = semaphore(1);
    Permit holder = semaphore.acquire();
    CompletableFuture<Permit> future = semaphore.acquireAsync();
    Await.waiting(semaphore, 1);

    assertThat(future.completeExceptionally(new TimeoutException("gave up"))).isTrue();

    Await.state(semaphore, 0, 0);
    holder.close();
    assertThat(semaphore.available()).isEqualTo(1);
  }

  /**
   * {@code orTimeout} on the returned future withdraws the request when its time runs out.
   *
   * @throws Exception if the backend throws where the contract says it must not
   */
  @Test
  default void orTimeoutOnTheFutureWithdrawsTheRequestWhenItExpires() throws Exception {
    Semaphore semaphore = semaphore(1);
    Permit holder = semaphore.acquire();
    CompletableFuture<Permit> future =
        semaphore.acquireAsync().orTimeout(Await.SHORT.toMillis(), TimeUnit.MILLISECONDS);

    Throwable failure = awaitFailure(future);

    assertThat(failure).isInstanceOf(TimeoutException.class);
    Await.state(semaphore, 0, 0);
    holder.close();
    assertThat(semaphore.available()).isEqualTo(1);
  }

  private static @Nullable Throwable awaitFailure(CompletableFuture<Permit> future) throws Exception {
    try {
      Permit permit = future.get(Await.PATIENCE.toNanos(), TimeUnit.NANOSECONDS);
      throw new AssertionError("expected the future to fail, but it holds " + permit);
    } catch (ExecutionException failed) {
      return failed.getCause();
    }
  }

  /**
   * Cancelling a future that already holds its permit does nothing to the permit.
   *
   * @throws Exception if the backend throws where the contract says it must not
   */
  @Test
  default void cancellingAGrantedFutureKeepsItsPermit() throws Exception {
    Semaphore semaphore = semaphore(1);
    CompletableFuture<Permit> future = semaphore.acquireAsync();
    Permit permit = future.get(Await.PATIENCE.toNanos(), TimeUnit.NANOSECONDS);

    assertThat(future.cancel(true)).isFalse();

    assertThat(future.isCancelled()).isFalse();
    assertThat(permit.isHeld()).isTrue();
    assertThat(semaphore.available()).isZero();
    permit.close();
    assertThat(semaphore.available()).isEqualTo(1);
  }

  /**
   * A future completed normally by the caller, with a value of its own, withdraws its request
   * too: the request leaves the queue, a later release is not spent on it, and the future keeps
   * the caller's value.
   *
   * @throws Exception if the backend throws where the contract says it must not
   */
  @Test
  default void aFutureCompletedWithAValueByTheCallerWithdrawsTheRequest() throws Exception {
    Semaphore semaphore = semaphore(1);
    Permit holder = semaphore.acquire();
    CompletableFuture<Permit> future = semaphore.acquireAsync();
    Await.waiting(semaphore, 1);

    assertThat(future.complete(null)).as("complete(null) on a waiting future").isTrue();

    assertThat(future).isCompletedWithValue(null);
    Await.state(semaphore, 0, 0);
    assertThat(future.complete(null)).as("complete(null) a second time").isFalse();
    holder.close();
    assertThat(semaphore.available())
        .as("a release after the completion was spent on the withdrawn request")
        .isEqualTo(1);
  }

  /**
   * A future that waited and was granted refuses every later completion by the caller, which
   * leaves its permit held.
   *
   * @throws Exception if the backend throws where the contract says it must not
   */
  @Test
  default void aGrantedFutureRefusesLaterCompletionsAndKeepsItsPermit() throws Exception {
    Semaphore semaphore = semaphore(1);
    Permit holder = semaphore.acquire();
    CompletableFuture<Permit> future = semaphore.acquireAsync();
    Await.waiting(semaphore, 1);
    holder.close();
    Permit permit = future.get(Await.PATIENCE.toNanos(), TimeUnit.NANOSECONDS);

    assertThat(future.complete(null)).as("complete(null)").isFalse();
    assertThat(future.completeExceptionally(new TimeoutException("late")))
        .as("completeExceptionally")
        .isFalse();
    assertThat(future.cancel(false)).as("cancel(false)").isFalse();

    assertThat(future).isCompletedWithValue(permit);
    assertThat(permit.isHeld()).isTrue();
    assertThat(semaphore.available()).isZero();
    permit.close();
    assertThat(semaphore.available()).isEqualTo(1);
  }

  /**
   * A cancel racing a grant ends one way only: the future is cancelled and the permit is free
   * again, or the future holds a held permit. Never both, never neither. Each round races four
   * cancels against four releases.
   *
   * @throws Exception if the backend throws where the contract says it must not
   */
  @Test
  @DisplayName("a cancel racing a grant has exactly one outcome: cancelled with the permit back, or granted")
  default void aCancelRacingAGrantHasExactlyOneOutcome() throws Exception {
    int racers = 4;
    Semaphore semaphore = semaphore(racers);
    for (int round = 0; round < 1000; round++) {
      List<Permit> holders = new ArrayList<>();
      List<CompletableFuture<Permit>> futures = new ArrayList<>();
      for (int i = 0; i < racers; i++) {
        holders.add(semaphore.acquire());
      }
      for (int i = 0; i < racers; i++) {
        futures.add(semaphore.acquireAsync());
      }
      Await.waiting(semaphore, racers);
      CyclicBarrier start = new CyclicBarrier(2);
      int offset = round;
      Forked<Void> releaser =
          Forked.start(
              "releaser",
              () -> {
                start.await();
                for (int i = 0; i < racers; i++) {
                  Races.jitter(offset + i);
                  holders.get(i).close();
                }
                return null;
              });
      start.await();
      boolean[] cancelled = new boolean[racers];
      for (int i = 0; i < racers; i++) {
        cancelled[i] = futures.get(i).cancel(false);
      }
      releaser.join();

      for (int i = 0; i < racers; i++) {
        CompletableFuture<Permit> future = futures.get(i);
        assertThat(future).as("round %d: neither granted nor cancelled", round).isDone();
        assertThat(future.isCancelled())
            .as("round %d: cancel() returned %s", round, cancelled[i])
            .isEqualTo(cancelled[i]);
        if (!cancelled[i]) {
          Permit permit = future.join();
          assertThat(permit.isHeld()).as("round %d", round).isTrue();
          permit.close();
        }
      }
      Await.state(semaphore, racers, 0);
    }
  }

  /**
   * Async requests queued behind one permit are each served by one release.
   *
   * @throws Exception if the backend throws where the contract says it must not
   */
  @Test
  default void queuedAsyncRequestsAreServedOneReleaseAtATime() throws Exception {
    Semaphore semaphore = semaphore(1);
    Permit holder = semaphore.acquire();
    List<CompletableFuture<Permit>> futures = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      futures.add(semaphore.acquireAsync());
      Await.waiting(semaphore, i + 1);
    }

    Permit current = holder;
    for (int served = 1; served <= futures.size(); served++) {
      current.close();
      int done = served;
      Await.until(
          () -> futures.stream().filter(CompletableFuture::isDone).count() == done,
          () -> "expected " + done + " future(s) completed, on " + Await.describe(semaphore));
      assertThat(semaphore.waiting()).isEqualTo(futures.size() - served);
      current =
          futures.stream()
              .filter(CompletableFuture::isDone)
              .map(CompletableFuture::join)
              .filter(Permit::isHeld)
              .reduce((a, b) -> {
                throw new AssertionError("two futures hold the only permit: " + a + ", " + b);
              })
              .orElseThrow();
    }
    current.close();
    assertThat(semaphore.available()).isEqualTo(1);
  }

  /**
   * A long chain of async requests, each releasing its permit as soon as it is granted, runs to
   * its end: completing one future from inside the dependent action of another must not recurse
   * without bound (a stack overflow there would be swallowed by the future and stop the chain).
   *
   * @throws Exception if the backend throws where the contract says it must not
   */
  @Test
  default void aLongChainOfAsyncHandOffsRunsToItsEnd() throws Exception {
    Semaphore semaphore = semaphore(1);
    Permit holder = semaphore.acquire();
    int length = scaled(20_000, 1_000);
    List<CompletableFuture<Void>> chain = new ArrayList<>(length);
    java.util.concurrent.atomic.AtomicLong ended = new java.util.concurrent.atomic.AtomicLong();
    for (int i = 0; i < length; i++) {
      CompletableFuture<Void> link = semaphore.acquireAsync().thenAccept(Permit::close);
      link.whenComplete((ignored, failure) -> ended.incrementAndGet());
      chain.add(link);
    }
    Await.waiting(semaphore, length);

    holder.close();

    // a stall fails, not slowness: a loaded machine took over 20 s for the whole chain
    Await.whileProgressing(
        ended::get,
        length,
        () ->
            "the chain of "
                + length
                + " hand-offs stopped; first failure: "
                + chain.stream()
                    .filter(CompletableFuture::isCompletedExceptionally)
                    .findFirst()
                    .map(Object::toString)
                    .orElse("none"));
    for (CompletableFuture<Void> link : chain) {
      assertThat(link).isCompletedWithValue(null);
    }
    Await.state(semaphore, 1, 0);
  }

  /**
   * A future granted by a release is completed outside the semaphore's lock: its dependent
   * action can call back into the semaphore, and another thread can use it meanwhile.
   *
   * @throws Exception if the backend throws where the contract says it must not
   */
  @Test
  default void aFutureGrantedByAReleaseIsCompletedOutsideTheLock() throws Exception {
    Semaphore semaphore = semaphore(1);
    Permit holder = semaphore.acquire();
    CompletableFuture<Permit> future = semaphore.acquireAsync();
    Await.waiting(semaphore, 1);

    String problem =
        runDependent(
            semaphore,
            future,
            "a release",
            () -> holder.close(),
            permit -> {
              assertThat(semaphore.tryAcquire()).isEmpty();
              permit.close();
            });

    assertThat(problem).isNull();
    assertThat(semaphore.available()).isEqualTo(1);
  }

  /**
   * A future granted by growing the limit is completed outside the semaphore's lock.
   *
   * @throws Exception if the backend throws where the contract says it must not
   */
  @Test
  default void aFutureGrantedByGrowingTheLimitIsCompletedOutsideTheLock() throws Exception {
    Semaphore semaphore = semaphore(1);
    Permit holder = semaphore.acquire();
    CompletableFuture<Permit> future = semaphore.acquireAsync();
    Await.waiting(semaphore, 1);

    String problem =
        runDependent(semaphore, future, "setLimit", () -> semaphore.setLimit(2), Permit::close);

    assertThat(problem).isNull();
    holder.close();
    assertThat(semaphore.available()).isEqualTo(2);
  }

  /**
   * A future failed by {@code close()} is completed outside the semaphore's lock.
   *
   * @throws Exception if the backend throws where the contract says it must not
   */
  @Test
  default void aFutureFailedByCloseIsCompletedOutsideTheLock() throws Exception {
    Semaphore semaphore = semaphore(1);
    Permit holder = semaphore.acquire();
    CompletableFuture<Permit> future = semaphore.acquireAsync();
    Await.waiting(semaphore, 1);

    AtomicReference<@Nullable String> problem = new AtomicReference<>();
    CountDownLatch ran = new CountDownLatch(1);
    future.whenComplete(
        (permit, failure) -> {
          try {
            if (!(failure instanceof SemaphoreClosedException)) {
              problem.set("expected SemaphoreClosedException, got " + permit + " / " + failure);
            }
            LockProbe.touch(semaphore);
            problem.compareAndSet(null, LockProbe.fromAnotherThread(semaphore, "close()"));
          } catch (Throwable unexpected) {
            problem.compareAndSet(null, "the dependent action failed: " + unexpected);
          } finally {
            ran.countDown();
          }
        });
    Forked<Void> closer =
        Forked.start(
            "closer",
            () -> {
              semaphore.close();
              return null;
            });

    assertThat(ran.await(Await.PATIENCE.toNanos(), TimeUnit.NANOSECONDS))
        .as("the dependent action of a future failed by close() did not finish")
        .isTrue();
    closer.join();
    assertThat(problem.get()).isNull();
    holder.close();
    assertThat(semaphore.available()).isEqualTo(1);
  }

  /**
   * Attaches {@code action} to {@code future}, runs {@code trigger} on another thread, and
   * returns a problem description if the action could not run to its end, or ran while
   * another thread was locked out of the semaphore.
   */
  private static @Nullable String runDependent(
      Semaphore semaphore,
      CompletableFuture<Permit> future,
      String completedBy,
      Runnable trigger,
      Consumer<Permit> action)
      throws InterruptedException {
    AtomicReference<@Nullable String> problem = new AtomicReference<>();
    CountDownLatch ran = new CountDownLatch(1);
    future.thenAccept(
        permit -> {
          try {
            problem.set(LockProbe.fromAnotherThread(semaphore, completedBy));
            action.accept(permit);
          } catch (Throwable unexpected) {
            problem.compareAndSet(null, "the dependent action failed: " + unexpected);
          } finally {
            ran.countDown();
          }
        });
    Forked<Void> triggering =
        Forked.start(
            "trigger",
            () -> {
              trigger.run();
              return null;
            });
    if (!ran.await(Await.PATIENCE.toNanos(), TimeUnit.NANOSECONDS)) {
      return "the dependent action of a future completed by " + completedBy
          + " did not finish: it deadlocked on the semaphore";
    }
    triggering.join();
    return problem.get();
  }
}
