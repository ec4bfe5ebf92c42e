package io.permits.tck;

import static org.assertj.core.api.Assertions.assertThat;

import io.permits.Permit;
import io.permits.Semaphore;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Timed requests: a timeout returns empty and leaves nothing behind; zero means do not wait; a
 * grant racing the timeout has one outcome.
 */
public interface TimeoutContract extends BackendUnderTest {

  /**
   * A timed request that no release serves returns empty and leaves the queue.
   *
   * @throws Exception if the backend throws where the contract says it must not
   */
  @Test
  default void aTimedRequestReturnsEmptyWhenNoPermitComes() throws Exception {
    Semaphore semaphore = semaphore(1);
    Permit holder = semaphore.acquire();

    assertThat(semaphore.tryAcquire(Await.SHORT)).isEmpty();

    assertThat(semaphore.waiting()).isZero();
    assertThat(semaphore.available()).isZero();
    assertThat(holder.isHeld()).isTrue();
    holder.close();
    assertThat(semaphore.available())
        .as("a release after the timeout went to the request that gave up")
        .isEqualTo(1);
  }

  /**
   * A timeout of zero means do not wait: a free permit is taken, else empty at once.
   *
   * @throws Exception if the backend throws where the contract says it must not
   */
  @Test
  default void aZeroTimeoutMeansDoNotWait() throws Exception {
    Semaphore semaphore = semaphore(1);

    Optional<Permit> free = semaphore.tryAcquire(Duration.ZERO);
    assertThat(free).isPresent();
    assertThat(semaphore.tryAcquire(Duration.ZERO)).isEmpty();
    assertThat(semaphore.tryAcquire(1, Duration.ZERO)).isEmpty();
    assertThat(semaphore.waiting()).isZero();

    free.orElseThrow().close();
    assertThat(semaphore.available()).isEqualTo(1);
  }

  /**
   * A timed request takes a free permit at once.
   *
   * @throws Exception if the backend throws where the contract says it must not
   */
  @Test
  default void aTimedRequestTakesAFreePermit() throws Exception {
    Semaphore semaphore = semaphore(2);
    Optional<Permit> permit = semaphore.tryAcquire(2, Await.LONG);
    assertThat(permit).hasValueSatisfying(p -> assertThat(p.permits()).isEqualTo(2));
    assertThat(semaphore.available()).isZero();
  }

  /**
   * A timed request is granted a permit released while it waits.
   *
   * @throws Exception if the backend throws where the contract says it must not
   */
  @Test
  default void aTimedRequestIsGrantedAPermitReleasedInTime() throws Exception {
    Semaphore semaphore = semaphore(1);
    Permit holder = semaphore.acquire();
    Pending request = Pending.tryAcquire(semaphore, 1, Await.LONG);
    Await.waiting(semaphore, 1);

    holder.close();

    try (Permit permit = request.granted()) {
      assertThat(permit.isHeld()).isTrue();
      assertThat(semaphore.available()).isZero();
    }
  }

  /**
   * A request timing out does not disturb the requests queued around it.
   *
   * @throws Exception if the backend throws where the contract says it must not
   */
  @Test
  default void aTimeoutDoesNotDisturbOtherWaiters() throws Exception {
    Semaphore semaphore = semaphore(1);
    Permit holder = semaphore.acquire();
    Pending patient = Pending.acquire(semaphore, 1);
    Await.waiting(semaphore, 1);

    assertThat(semaphore.tryAcquire(Await.SHORT)).isEmpty();
    assertThat(semaphore.waiting()).isEqualTo(1);
    assertThat(patient.isDone()).isFalse();

    holder.close();
    try (Permit permit = patient.granted()) {
      assertThat(permit.isHeld()).isTrue();
    }
    assertThat(semaphore.available()).isEqualTo(1);
  }

  /**
   * A timeout too long to count in nanoseconds is a very long wait, not an error.
   *
   * @throws Exception if the backend throws where the contract says it must not
   */
  @Test
  default void aHugeTimeoutIsAVeryLongWaitNotAnError() throws Exception {
    Semaphore semaphore = semaphore(1);
    Duration forever = ChronoUnit.FOREVER.getDuration();

    Optional<Permit> free = semaphore.tryAcquire(1, forever);
    assertThat(free).isPresent();

    Pending request = Pending.tryAcquire(semaphore, 1, Duration.ofSeconds(Long.MAX_VALUE));
    Await.waiting(semaphore, 1);
    assertThat(request.isDone()).as("a request with an overflowing timeout returned").isFalse();
    free.orElseThrow().close();
    assertThat(request.granted().isHeld()).isTrue();
  }

  /**
   * A timed request racing a release ends one way only: with a held permit, or empty with the
   * permit free again. Each round races four timed requests, whose timeouts sweep from zero to
   * tens of microseconds, against four releases.
   *
   * @throws Exception if the backend throws where the contract says it must not
   */
  @Test
  default void aTimeoutRacingAGrantHasExactlyOneOutcome() throws Exception {
    int racers = 4;
    Semaphore semaphore = semaphore(racers);
    for (int round = 0; round < 1000; round++) {
      List<Permit> holders = new ArrayList<>();
      for (int i = 0; i < racers; i++) {
        holders.add(semaphore.acquire());
      }
      List<Pending> waiters = new ArrayList<>();
      for (int i = 0; i < racers; i++) {
        Duration timeout = Duration.ofNanos(Races.offsetNanos(round * racers + i));
        waiters.add(Pending.tryAcquire(semaphore, 1, timeout));
      }
      int offset = round;
      Forked.start(
              "releaser",
              () -> {
                for (int i = 0; i < racers; i++) {
                  Races.jitter(offset + i);
                  holders.get(i).close();
                }
                return null;
              })
          .join();

      for (Pending waiter : waiters) {
        Pending.Result result = waiter.result();
        Permit permit = result.permit();
        if (permit != null) {
          assertThat(permit.isHeld()).as("round %d", round).isTrue();
          permit.close();
        } else {
          assertThat(result.isEmpty()).as("round %d: %s", round, result).isTrue();
        }
      }
      Await.state(semaphore, racers, 0);
    }
  }
}
