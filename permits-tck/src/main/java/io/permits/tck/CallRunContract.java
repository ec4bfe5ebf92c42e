package io.permits.tck;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.permits.Permit;
import io.permits.PermitUnavailableException;
import io.permits.Semaphore;
import java.io.IOException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * {@code call} and {@code run}: the task runs holding one permit, the permit is released
 * whatever the task does, and {@link PermitUnavailableException} says that no permit came in
 * time.
 */
public interface CallRunContract extends BackendUnderTest {

  /**
   * {@code call} runs the task holding a permit and returns its result.
   *
   * @throws Exception if the backend throws where the contract says it must not
   */
  @Test
  default void callRunsTheTaskHoldingAPermitAndReturnsItsResult() throws Exception {
    Semaphore semaphore = semaphore(2);
    AtomicInteger freeInside = new AtomicInteger(-1);

    String result =
        semaphore.call(
            Await.LONG,
            () -> {
              freeInside.set(semaphore.available());
              return "done";
            });

    assertThat(result).isEqualTo("done");
    assertThat(freeInside.get()).as("free permits while the task ran").isEqualTo(1);
    assertThat(semaphore.available()).isEqualTo(2);
  }

  /**
   * {@code run} runs the task holding a permit, then releases it.
   *
   * @throws Exception if the backend throws where the contract says it must not
   */
  @Test
  default void runRunsTheTaskHoldingAPermit() throws Exception {
    Semaphore semaphore = semaphore(1);
    AtomicInteger freeInside = new AtomicInteger(-1);

    semaphore.run(Await.LONG, () -> freeInside.set(semaphore.available()));

    assertThat(freeInside.get()).isZero();
    assertThat(semaphore.available()).isEqualTo(1);
  }

  /** {@code call} releases the permit when the task throws, and rethrows the same exception. */
  @Test
  default void callReleasesThePermitWhenTheTaskThrows() {
    Semaphore semaphore = semaphore(1);
    IOException failure = new IOException("disk full");

    assertThatThrownBy(() -> semaphore.call(Await.LONG, () -> {
          throw failure;
        }))
        .isSameAs(failure);

    assertThat(semaphore.available()).isEqualTo(1);
  }

  /** {@code run} releases the permit when the task throws, and rethrows the same exception. */
  @Test
  default void runReleasesThePermitWhenTheTaskThrows() {
    Semaphore semaphore = semaphore(1);
    IllegalStateException failure = new IllegalStateException("bug");

    assertThatThrownBy(() -> semaphore.run(Await.LONG, () -> {
          throw failure;
        }))
        .isSameAs(failure);

    assertThat(semaphore.available()).isEqualTo(1);
  }

  /** {@code call} releases the permit when the task throws an {@link Error}. */
  @Test
  default void callReleasesThePermitWhenTheTaskThrowsAnError() {
    Semaphore semaphore = semaphore(1);
    StackOverflowError failure = new StackOverflowError("deep");

    assertThatThrownBy(() -> semaphore.call(Await.LONG, () -> {
          throw failure;
        }))
        .isSameAs(failure);

    assertThat(semaphore.available()).isEqualTo(1);
  }

  /**
   * {@code call} throws {@link PermitUnavailableException}, naming the semaphore, when no
   * permit comes in time, and never runs the task.
   *
   * @throws Exception if the backend throws where the contract says it must not
   */
  @Test
  default void callThrowsPermitUnavailableWhenNoPermitComesInTime() throws Exception {
    Semaphore semaphore = semaphore(1);
    Permit holder = semaphore.acquire();
    AtomicBoolean ran = new AtomicBoolean();

    assertThatThrownBy(() -> semaphore.call(Await.SHORT, () -> ran.getAndSet(true)))
        .isInstanceOf(PermitUnavailableException.class)
        .hasMessageContaining(semaphore.name());

    assertThat(ran).isFalse();
    assertThat(semaphore.waiting()).isZero();
    holder.close();
    assertThat(semaphore.available()).isEqualTo(1);
  }

  /**
   * {@code run} throws {@link PermitUnavailableException} when no permit comes in time.
   *
   * @throws Exception if the backend throws where the contract says it must not
   */
  @Test
  default void runThrowsPermitUnavailableWhenNoPermitComesInTime() throws Exception {
    Semaphore semaphore = semaphore(1);
    Permit holder = semaphore.acquire();
    AtomicBoolean ran = new AtomicBoolean();

    assertThatThrownBy(() -> semaphore.run(Await.SHORT, () -> ran.set(true)))
        .isInstanceOf(PermitUnavailableException.class)
        .hasMessageContaining(semaphore.name());

    assertThat(ran).isFalse();
    holder.close();
    assertThat(semaphore.available()).isEqualTo(1);
  }

  /**
   * {@code call} waits for a permit released in time, then runs the task.
   *
   * @throws Exception if the backend throws where the contract says it must not
   */
  @Test
  default void callWaitsForAPermitReleasedInTime() throws Exception {
    Semaphore semaphore = semaphore(1);
    Permit holder = semaphore.acquire();
    Forked<String> caller = Forked.start("caller", () -> semaphore.call(Await.LONG, () -> "ran"));
    Await.waiting(semaphore, 1);
    assertThat(caller.isDone()).isFalse();

    holder.close();

    assertThat(caller.join()).isEqualTo("ran");
    assertThat(semaphore.available()).isEqualTo(1);
  }

  /**
   * {@code run} interrupted while waiting throws {@link InterruptedException}, not running the task.
   *
   * @throws Exception if the backend throws where the contract says it must not
   */
  @Test
  default void runInterruptedWhileWaitingThrowsWithoutRunningTheTask() throws Exception {
    Semaphore semaphore = semaphore(1);
    Permit holder = semaphore.acquire();
    AtomicBoolean ran = new AtomicBoolean();
    Forked<Void> runner =
        Forked.start(
            "runner",
            () -> {
              semaphore.run(Await.LONG, () -> ran.set(true));
              return null;
            });
    Await.waiting(semaphore, 1);

    runner.interrupt();

    assertThat(runner.joinFailure()).isInstanceOf(InterruptedException.class);
    assertThat(ran).isFalse();
    Await.state(semaphore, 0, 0);
    holder.close();
    assertThat(semaphore.available()).isEqualTo(1);
  }
}
