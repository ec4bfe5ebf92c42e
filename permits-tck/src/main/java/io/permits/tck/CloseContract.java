package io.permits.tck;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.permits.Permit;
import io.permits.Semaphore;
import io.permits.SemaphoreClosedException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@code close()}: every queued request and every later one fails with {@link
 * SemaphoreClosedException}; permits already held stay valid and can still be closed; close is
 * idempotent (rule 7).
 */
public interface CloseContract extends BackendUnderTest {

  /**
   * dotnet/runtime#59639: closing the semaphore fails a waiting request of each kind, instead of
   * leaving it waiting forever.
   *
   * @param kind the kind of waiting request
   * @throws Exception if the backend throws where the contract says it must not
   */
  @ParameterizedTest(name = "{0}")
  @EnumSource(Pending.Kind.class)
  @DisplayName("close fails a waiting request (dotnet/runtime#59639)")
  default void closeFailsAWaitingRequest(Pending.Kind kind) throws Exception {
    Semaphore semaphore = semaphore(1);
    Permit holder = semaphore.acquire();
    Pending waiter = Pending.start(kind, semaphore, 1);
    Await.waiting(semaphore, 1);

    semaphore.close();

    assertThat(waiter.failed()).isInstanceOf(SemaphoreClosedException.class);
    assertThat(semaphore.waiting()).isZero();
    assertThat(holder.isHeld()).isTrue();
    holder.close();
    assertThat(semaphore.available()).isEqualTo(1);
  }

  /**
   * Closing fails every waiter at once, whatever its kind and weight.
   *
   * @throws Exception if the backend throws where the contract says it must not
   */
  @Test
  default void closeFailsEveryWaiterAtOnce() throws Exception {
    Semaphore semaphore = semaphore(3);
    Permit holder = semaphore.acquire(3);
    List<Pending> waiters = new ArrayList<>();
    int weight = 0;
    for (Pending.Kind kind : Pending.Kind.values()) {
      for (int permits = 1; permits <= 3; permits += 2) {
        waiters.add(Pending.start(kind, semaphore, permits));
        Await.waiting(semaphore, ++weight);
      }
    }

    semaphore.close();

    for (Pending waiter : waiters) {
      assertThat(waiter.failed()).as("%s", waiter).isInstanceOf(SemaphoreClosedException.class);
    }
    assertThat(semaphore.waiting()).isZero();
    holder.close();
    assertThat(semaphore.available()).isEqualTo(3);
  }

  /**
   * Closing fails a waiter that already had permits set aside for it, and those permits come
   * back to the count.
   *
   * @throws Exception if the backend throws where the contract says it must not
   */
  @Test
  default void closeFailsAWaiterThatHadPermitsSetAside() throws Exception {
    Semaphore semaphore = semaphore(3);
    Permit first = semaphore.acquire();
    Permit second = semaphore.acquire();
    Pending head = Pending.acquire(semaphore, 3);
    Await.waiting(semaphore, 1);
    first.close();

    semaphore.close();

    assertThat(head.failed()).isInstanceOf(SemaphoreClosedException.class);
    Await.state(semaphore, 2, 0);
    second.close();
    assertThat(semaphore.available()).isEqualTo(3);
  }

  /**
   * Every request made after close fails with {@link SemaphoreClosedException}, even with all
   * permits free: thrown by the blocking, try and timed methods, as a failed future by {@code
   * acquireAsync}.
   *
   * @param kind the request method
   * @throws Exception if the backend throws where the contract says it must not
   */
  @ParameterizedTest(name = "{0}")
  @EnumSource(RequestKind.class)
  default void aRequestAfterCloseFails(RequestKind kind) throws Exception {
    Semaphore semaphore = semaphore(2);
    semaphore.close();

    Throwable failure;
    if (kind == RequestKind.ACQUIRE_ASYNC) {
      CompletableFuture<?> future = (CompletableFuture<?>) kind.request(semaphore, 1);
      assertThat(future).isCompletedExceptionally();
      failure = catchThrowable(() -> future.get(0, TimeUnit.NANOSECONDS));
      assertThat(failure).isInstanceOf(ExecutionException.class);
      failure = failure.getCause();
    } else {
      failure = catchThrowable(() -> kind.request(semaphore, 1));
    }

    assertThat(failure)
        .isInstanceOf(SemaphoreClosedException.class)
        .hasMessageContaining(semaphore.name());
    assertThat(semaphore.available()).isEqualTo(2);
    assertThat(semaphore.waiting()).isZero();
  }

  /** The convenience forms fail after close too, without running their task. */
  @Test
  default void theConvenienceFormsFailAfterClose() {
    Semaphore semaphore = semaphore(1);
    semaphore.close();
    boolean[] ran = new boolean[1];

    assertThatThrownBy(semaphore::acquire).isInstanceOf(SemaphoreClosedException.class);
    assertThatThrownBy(semaphore::tryAcquire).isInstanceOf(SemaphoreClosedException.class);
    assertThatThrownBy(() -> semaphore.tryAcquire(Duration.ZERO))
        .isInstanceOf(SemaphoreClosedException.class);
    assertThatThrownBy(() -> semaphore.acquireAsync().join()).hasCauseInstanceOf(SemaphoreClosedException.class);
    assertThatThrownBy(() -> semaphore.call(Await.LONG, () -> ran[0] = true))
        .isInstanceOf(SemaphoreClosedException.class);
    assertThatThrownBy(() -> semaphore.run(Await.LONG, () -> ran[0] = true))
        .isInstanceOf(SemaphoreClosedException.class);
    assertThat(ran[0]).as("a task ran on a closed semaphore").isFalse();
  }

  /**
   * Permits held when the semaphore closes stay held and can still be closed.
   *
   * @throws Exception if the backend throws where the contract says it must not
   */
  @Test
  default void permitsHeldWhenTheSemaphoreClosesCanStillBeClosed() throws Exception {
    Semaphore semaphore = semaphore(3);
    Permit two = semaphore.acquire(2);

    semaphore.close();

    assertThat(two.isHeld()).isTrue();
    two.close();
    assertThat(two.isHeld()).isFalse();
    assertThat(semaphore.available()).isEqualTo(3);
    two.close();
    assertThat(semaphore.available()).isEqualTo(3);
  }

  /** {@code isClosed()} is false until close, true after. */
  @Test
  default void isClosedTurnsTrueOnClose() {
    Semaphore semaphore = semaphore(1);
    assertThat(semaphore.isClosed()).isFalse();
    semaphore.close();
    assertThat(semaphore.isClosed()).isTrue();
  }

  /**
   * Closing again, from any number of threads at once, does nothing more.
   *
   * @throws Exception if the backend throws where the contract says it must not
   */
  @Test
  default void closeIsIdempotent() throws Exception {
    Semaphore semaphore = semaphore(2);
    Permit held = semaphore.acquire();
    semaphore.close();
    semaphore.close();

    CyclicBarrier start = new CyclicBarrier(4);
    List<Forked<Void>> closers = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      closers.add(
          Forked.start(
              "closer-" + i,
              () -> {
                start.await();
                semaphore.close();
                return null;
              }));
    }
    for (Forked<Void> closer : closers) {
      closer.join();
    }

    assertThat(semaphore.isClosed()).isTrue();
    assertThat(held.isHeld()).isTrue();
    held.close();
    assertThat(semaphore.available()).isEqualTo(2);
  }

  /**
   * A close racing a release ends one way for the waiter: it holds the permit, or it failed with
   * {@link SemaphoreClosedException}; either way the permit comes back.
   *
   * @throws Exception if the backend throws where the contract says it must not
   */
  @Test
  default void aCloseRacingAGrantHasExactlyOneOutcome() throws Exception {
    for (int round = 0; round < 150; round++) {
      Semaphore semaphore = semaphore(1);
      Permit holder = semaphore.acquire();
      Pending waiter = Pending.start(Pending.Kind.values()[round % 3], semaphore, 1);
      Await.waiting(semaphore, 1);
      CyclicBarrier start = new CyclicBarrier(2);
      int offset = round;
      Forked<Void> releaser =
          Forked.start(
              "releaser",
              () -> {
                start.await();
                Races.jitter(offset);
                holder.close();
                return null;
              });
      start.await();
      semaphore.close();
      releaser.join();

      Pending.Result result = waiter.result();
      Permit permit = result.permit();
      if (permit != null) {
        assertThat(permit.isHeld()).as("round %d", round).isTrue();
        permit.close();
      } else {
        assertThat(result.failure())
            .as("round %d, %s", round, waiter)
            .isInstanceOf(SemaphoreClosedException.class);
      }
      Await.state(semaphore, 1, 0);
    }
  }
}
