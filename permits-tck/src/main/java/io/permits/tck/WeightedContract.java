package io.permits.tck;

import static org.assertj.core.api.Assertions.assertThat;

import io.permits.Permit;
import io.permits.Semaphore;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Weighted requests are atomic: a request for n permits gets all n or none (rule 4). */
public interface WeightedContract extends BackendUnderTest {

  /**
   * A weighted acquire returns one permit object holding the whole weight.
   *
   * @throws Exception if the backend throws where the contract says it must not
   */
  @Test
  default void aWeightedAcquireHoldsItsWholeWeight() throws Exception {
    Semaphore semaphore = semaphore(5);
    Permit permit = semaphore.acquire(3);
    assertThat(permit.permits()).isEqualTo(3);
    assertThat(semaphore.available()).isEqualTo(2);
    permit.close();
    assertThat(semaphore.available()).isEqualTo(5);
  }

  /**
   * A request for the whole limit is granted when every permit is free.
   *
   * @throws Exception if the backend throws where the contract says it must not
   */
  @Test
  default void aRequestForTheWholeLimitIsGrantedWhenAllAreFree() throws Exception {
    Semaphore semaphore = semaphore(4);
    try (Permit all = semaphore.acquire(4)) {
      assertThat(all.permits()).isEqualTo(4);
      assertThat(semaphore.available()).isZero();
      assertThat(semaphore.tryAcquire()).isEmpty();
    }
    assertThat(semaphore.available()).isEqualTo(4);
  }

  /**
   * A weighted {@code tryAcquire} that finds too few permits takes none of them.
   *
   * @throws Exception if the backend throws where the contract says it must not
   */
  @Test
  default void aWeightedTryAcquireTakesAllOrNothing() throws Exception {
    Semaphore semaphore = semaphore(3);
    Permit held = semaphore.acquire(2);

    assertThat(semaphore.tryAcquire(2)).isEmpty();
    assertThat(semaphore.available()).as("free permits after a failed tryAcquire(2)").isEqualTo(1);

    Optional<Permit> one = semaphore.tryAcquire(1);
    assertThat(one).isPresent();
    one.orElseThrow().close();
    held.close();
    assertThat(semaphore.available()).isEqualTo(3);
  }

  /**
   * A weighted timed request that times out leaves every free permit free.
   *
   * @throws Exception if the backend throws where the contract says it must not
   */
  @Test
  default void aTimedOutWeightedRequestTakesNothing() throws Exception {
    Semaphore semaphore = semaphore(3);
    Permit held = semaphore.acquire(2);

    assertThat(semaphore.tryAcquire(2, Await.SHORT)).isEmpty();

    assertThat(semaphore.available()).isEqualTo(1);
    assertThat(semaphore.waiting()).isZero();
    held.close();
    assertThat(semaphore.available()).isEqualTo(3);
  }

  /**
   * A weighted request is not granted while only part of its weight is free.
   *
   * @throws Exception if the backend throws where the contract says it must not
   */
  @Test
  default void aWeightedRequestWaitsForItsWholeWeight() throws Exception {
    Semaphore semaphore = semaphore(3);
    Permit first = semaphore.acquire();
    Permit second = semaphore.acquire();
    Pending request = Pending.acquire(semaphore, 3);
    Await.waiting(semaphore, 1);

    first.close();
    assertThat(request.isDone()).as("acquire(3) returned with 2 of 3 permits free").isFalse();
    assertThat(semaphore.waiting()).isEqualTo(1);

    second.close();
    try (Permit all = request.granted()) {
      assertThat(all.permits()).isEqualTo(3);
      assertThat(semaphore.available()).isZero();
    }
    assertThat(semaphore.available()).isEqualTo(3);
  }

  /**
   * Two requests for 3 of 4 permits, queued while every permit is held, are served one after
   * the other as the permits come back: neither keeps part of the permits while the other waits
   * for the rest, which would deadlock both.
   *
   * @throws Exception if the backend throws where the contract says it must not
   */
  @Test
  @DisplayName("two large requests do not deadlock by each taking part of the permits")
  default void twoLargeRequestsDoNotDeadlockByEachTakingPart() throws Exception {
    Semaphore semaphore = semaphore(4);
    List<Permit> singles =
        List.of(semaphore.acquire(), semaphore.acquire(), semaphore.acquire(), semaphore.acquire());
    Pending blocking = Pending.acquire(semaphore, 3);
    Await.waiting(semaphore, 1);
    Pending async = Pending.acquireAsync(semaphore, 3);
    Await.waiting(semaphore, 2);

    for (Permit single : singles) {
      single.close();
    }

    Await.until(
        () -> semaphore.waiting() == 1 && (blocking.isDone() || async.isDone()),
        () -> "expected one request for 3 to be granted, on " + Await.describe(semaphore));
    Pending first = blocking.isDone() ? blocking : async;
    Pending other = first == blocking ? async : blocking;
    Permit firstPermit = first.granted();
    assertThat(firstPermit.permits()).isEqualTo(3);
    assertThat(other.isDone()).isFalse();
    assertThat(semaphore.available()).isLessThanOrEqualTo(1);

    firstPermit.close();
    try (Permit otherPermit = other.granted()) {
      assertThat(otherPermit.permits()).isEqualTo(3);
      assertThat(semaphore.waiting()).isZero();
    }
    assertThat(semaphore.available()).isEqualTo(4);
  }

  /**
   * Closing one heavy permit serves several light waiters at once.
   *
   * @throws Exception if the backend throws where the contract says it must not
   */
  @Test
  default void closingAHeavyPermitServesSeveralWaiters() throws Exception {
    Semaphore semaphore = semaphore(3);
    Permit heavy = semaphore.acquire(3);
    List<Pending> waiters =
        List.of(
            Pending.acquire(semaphore, 1),
            Pending.acquireAsync(semaphore, 1),
            Pending.tryAcquire(semaphore, 1, Await.LONG));
    Await.waiting(semaphore, 3);

    heavy.close();

    for (Pending waiter : waiters) {
      assertThat(waiter.granted().permits()).isEqualTo(1);
    }
    assertThat(semaphore.available()).isZero();
    assertThat(semaphore.waiting()).isZero();
  }

  /**
   * An async weighted request completes with a permit holding its whole weight.
   *
   * @throws Exception if the backend throws where the contract says it must not
   */
  @Test
  default void anAsyncWeightedRequestCompletesWithItsWholeWeight() throws Exception {
    Semaphore semaphore = semaphore(3);
    Permit held = semaphore.acquire(2);
    Pending request = Pending.acquireAsync(semaphore, 3);
    Await.waiting(semaphore, 1);
    assertThat(request.isDone()).isFalse();

    held.close();

    try (Permit all = request.granted()) {
      assertThat(all.permits()).isEqualTo(3);
      assertThat(all.isHeld()).isTrue();
      assertThat(semaphore.available()).isZero();
    }
  }
}
