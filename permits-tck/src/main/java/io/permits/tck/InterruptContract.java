package io.permits.tck;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.permits.Permit;
import io.permits.Semaphore;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import org.junit.jupiter.api.Test;

/**
 * Interrupts: a waiting thread that is interrupted throws {@link InterruptedException} and holds
 * nothing; an interrupt is never turned into a silent failure, and never loses a permit.
 */
public interface InterruptContract extends BackendUnderTest {

  /**
   * An interrupted {@code acquire} throws {@link InterruptedException} and holds nothing.
   *
   * @throws Exception if the backend throws where the contract says it must not
   */
  @Test
  default void anInterruptedAcquireThrowsAndHoldsNothing() throws Exception {
    Semaphore semaphore = semaphore(1);
    Permit holder = semaphore.acquire();
    Pending waiter = Pending.acquire(semaphore, 1);
    Await.waiting(semaphore, 1);

    waiter.interrupt();

    assertThat(waiter.failed()).isInstanceOf(InterruptedException.class);
    Await.state(semaphore, 0, 0);
    holder.close();
    assertThat(semaphore.available()).isEqualTo(1);
  }

  /**
   * An interrupted timed request throws {@link InterruptedException}, not empty.
   *
   * @throws Exception if the backend throws where the contract says it must not
   */
  @Test
  default void anInterruptedTimedRequestThrowsAndHoldsNothing() throws Exception {
    Semaphore semaphore = semaphore(1);
    Permit holder = semaphore.acquire();
    Pending waiter = Pending.tryAcquire(semaphore, 1, Await.LONG);
    Await.waiting(semaphore, 1);

    waiter.interrupt();

    assertThat(waiter.failed()).isInstanceOf(InterruptedException.class);
    Await.state(semaphore, 0, 0);
    holder.close();
    assertThat(semaphore.available()).isEqualTo(1);
  }

  /**
   * An interrupted weighted request gives back any permit set aside for it.
   *
   * @throws Exception if the backend throws where the contract says it must not
   */
  @Test
  default void anInterruptedWeightedRequestGivesBackWhatWasSetAside() throws Exception {
    Semaphore semaphore = semaphore(3);
    Permit held = semaphore.acquire(2);
    Pending waiter = Pending.acquire(semaphore, 3);
    Await.waiting(semaphore, 1);

    waiter.interrupt();

    assertThat(waiter.failed()).isInstanceOf(InterruptedException.class);
    Await.state(semaphore, 1, 0);
    held.close();
    assertThat(semaphore.available()).isEqualTo(3);
  }

  /**
   * A thread interrupted before it asks, with no permit free, throws at once.
   *
   * @throws Exception if the backend throws where the contract says it must not
   */
  @Test
  default void aThreadInterruptedBeforeAcquireThrowsAtOnceWhenNoPermitIsFree() throws Exception {
    Semaphore semaphore = semaphore(1);
    Permit holder = semaphore.acquire();

    Throwable blocking =
        Forked.start(
                "pre-interrupted",
                () -> {
                  Thread.currentThread().interrupt();
                  return semaphore.acquire();
                })
            .joinFailure();
    Throwable timed =
        Forked.start(
                "pre-interrupted-timed",
                () -> {
                  Thread.currentThread().interrupt();
                  return semaphore.tryAcquire(Await.LONG);
                })
            .joinFailure();

    assertThat(blocking).isInstanceOf(InterruptedException.class);
    assertThat(timed).isInstanceOf(InterruptedException.class);
    assertThat(semaphore.waiting()).isZero();
    holder.close();
    assertThat(semaphore.available()).isEqualTo(1);
  }

  /**
   * A thread interrupted before it asks, with permits free, either throws {@link
   * InterruptedException} holding nothing or gets a held permit: it never leaks one.
   *
   * @throws Exception if the backend throws where the contract says it must not
   */
  @Test
  default void aThreadInterruptedBeforeAcquireNeverLeaksAPermit() throws Exception {
    Semaphore semaphore = semaphore(2);
    var outcome =
        Forked.start(
                "pre-interrupted",
                () -> {
                  Thread.currentThread().interrupt();
                  try {
                    return semaphore.acquire();
                  } finally {
                    Thread.interrupted();
                  }
                })
            .outcome();

    if (outcome.isCompletedExceptionally()) {
      assertThat(catchThrowable(outcome::join)).hasCauseInstanceOf(InterruptedException.class);
      assertThat(semaphore.available()).isEqualTo(2);
    } else {
      Permit permit = outcome.join();
      assertThat(permit.isHeld()).isTrue();
      assertThat(semaphore.available()).isEqualTo(1);
      permit.close();
      assertThat(semaphore.available()).isEqualTo(2);
    }
  }

  /**
   * After an interrupted waiter leaves, a release goes to the waiter behind it.
   *
   * @throws Exception if the backend throws where the contract says it must not
   */
  @Test
  default void anInterruptedWaiterDoesNotTakeALaterRelease() throws Exception {
    Semaphore semaphore = semaphore(1);
    Permit holder = semaphore.acquire();
    Pending interrupted = Pending.acquire(semaphore, 1);
    Await.waiting(semaphore, 1);
    Pending patient = Pending.acquire(semaphore, 1);
    Await.waiting(semaphore, 2);

    interrupted.interrupt();
    assertThat(interrupted.failed()).isInstanceOf(InterruptedException.class);
    Await.waiting(semaphore, 1);

    holder.close();
    try (Permit permit = patient.granted()) {
      assertThat(permit.isHeld()).isTrue();
      assertThat(semaphore.available()).isZero();
    }
    assertThat(semaphore.available()).isEqualTo(1);
  }

  /**
   * An interrupt racing a release ends one way only: the waiter holds the permit, or it threw
   * {@link InterruptedException} and the permit is free. Never both, never neither. Each round
   * races four waiters against four releases.
   *
   * @throws Exception if the backend throws where the contract says it must not
   */
  @Test
  default void anInterruptRacingAGrantHasExactlyOneOutcome() throws Exception {
    int racers = 4;
    Semaphore semaphore = semaphore(racers);
    int rounds = scaled(1000, 100);
    for (int round = 0; round < rounds; round++) {
      List<Permit> holders = new ArrayList<>();
      List<Pending> waiters = new ArrayList<>();
      for (int i = 0; i < racers; i++) {
        holders.add(semaphore.acquire());
      }
      for (int i = 0; i < racers; i++) {
        waiters.add(Pending.acquire(semaphore, 1));
        Await.waiting(semaphore, i + 1);
      }
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
      for (Pending waiter : waiters) {
        waiter.interrupt();
      }
      releaser.join();

      for (Pending waiter : waiters) {
        Pending.Result result = waiter.result();
        Permit permit = result.permit();
        if (permit != null) {
          assertThat(permit.isHeld()).as("round %d", round).isTrue();
          permit.close();
        } else {
          assertThat(result.failure())
              .as("round %d", round)
              .isInstanceOf(InterruptedException.class);
        }
      }
      Await.state(semaphore, racers, 0);
    }
  }
}
