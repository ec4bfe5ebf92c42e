package io.permits.tck;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.permits.Permit;
import io.permits.Semaphore;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@code setLimit}: growing hands the new permits to waiters; shrinking makes new grants wait
 * until the permits held fit the new limit, never disturbs holders, fails queued requests that
 * can no longer fit, and never blocks the caller (rules 2 and 6).
 */
public interface SetLimitContract extends BackendUnderTest {

  /**
   * Growing the limit grants the new permits to waiters.
   *
   * @throws Exception if the backend throws where the contract says it must not
   */
  @Test
  default void growingTheLimitGrantsTheNewPermitsToWaiters() throws Exception {
    Semaphore semaphore = semaphore(1);
    Permit holder = semaphore.acquire();
    Pending blocking = Pending.acquire(semaphore, 1);
    Await.waiting(semaphore, 1);
    Pending async = Pending.acquireAsync(semaphore, 1);
    Await.waiting(semaphore, 2);

    semaphore.setLimit(3);

    assertThat(semaphore.limit()).isEqualTo(3);
    assertThat(blocking.granted().isHeld()).isTrue();
    assertThat(async.granted().isHeld()).isTrue();
    assertThat(holder.isHeld()).isTrue();
    Await.state(semaphore, 0, 0);
  }

  /**
   * After growing the limit, a request for the new limit is possible.
   *
   * @throws Exception if the backend throws where the contract says it must not
   */
  @Test
  default void growingTheLimitAllowsLargerRequests() throws Exception {
    Semaphore semaphore = semaphore(2);
    semaphore.setLimit(4);
    try (Permit all = semaphore.acquire(4)) {
      assertThat(all.permits()).isEqualTo(4);
      assertThat(semaphore.available()).isZero();
    }
    assertThat(semaphore.available()).isEqualTo(4);
  }

  /**
   * After a shrink below the permits held, new grants wait until the holders have returned the
   * excess; the holders are not disturbed, and at no point is more held than the new limit
   * allows a newcomer.
   *
   * @throws Exception if the backend throws where the contract says it must not
   */
  @Test
  default void shrinkingMakesNewGrantsWaitUntilTheExcessIsReturned() throws Exception {
    Semaphore semaphore = semaphore(3);
    List<Permit> held = List.of(semaphore.acquire(), semaphore.acquire(), semaphore.acquire());

    semaphore.setLimit(1);

    assertThat(semaphore.limit()).isEqualTo(1);
    assertThat(held).allMatch(Permit::isHeld);
    assertThat(semaphore.available()).isZero();
    assertThat(semaphore.tryAcquire()).isEmpty();
    Pending waiter = Pending.acquire(semaphore, 1);
    Await.waiting(semaphore, 1);

    held.get(0).close();
    assertThat(semaphore.available()).as("2 held, limit 1").isZero();
    assertThat(waiter.isDone()).as("granted with 2 held and limit 1").isFalse();
    held.get(1).close();
    assertThat(semaphore.available()).as("1 held, limit 1").isZero();
    assertThat(waiter.isDone()).as("granted with 1 held and limit 1").isFalse();
    held.get(2).close();

    try (Permit permit = waiter.granted()) {
      assertThat(permit.isHeld()).isTrue();
      assertThat(semaphore.available()).isZero();
    }
    assertThat(semaphore.available()).isEqualTo(1);
  }

  /**
   * A queued request that still fits after a shrink keeps waiting until it can be served.
   *
   * @throws Exception if the backend throws where the contract says it must not
   */
  @Test
  default void aShrinkKeepsQueuedRequestsThatStillFitWaiting() throws Exception {
    Semaphore semaphore = semaphore(3);
    List<Permit> held = List.of(semaphore.acquire(), semaphore.acquire(), semaphore.acquire());
    Pending waiter = Pending.acquire(semaphore, 2);
    Await.waiting(semaphore, 1);

    semaphore.setLimit(2);

    assertThat(waiter.isDone()).isFalse();
    held.get(0).close();
    held.get(1).close();
    assertThat(waiter.isDone()).as("acquire(2) granted with 1 held and limit 2").isFalse();
    held.get(2).close();
    try (Permit permit = waiter.granted()) {
      assertThat(permit.permits()).isEqualTo(2);
      assertThat(semaphore.available()).isZero();
    }
    assertThat(semaphore.available()).isEqualTo(2);
  }

  /**
   * A queued request that a shrink makes impossible fails with {@link IllegalArgumentException}
   * naming its size, instead of waiting forever.
   *
   * @param kind the kind of waiting request
   * @throws Exception if the backend throws where the contract says it must not
   */
  @ParameterizedTest(name = "{0}")
  @EnumSource(Pending.Kind.class)
  default void aQueuedRequestThatAShrinkMakesImpossibleFails(Pending.Kind kind) throws Exception {
    Semaphore semaphore = semaphore(3);
    Permit holder = semaphore.acquire();
    Pending waiter = Pending.start(kind, semaphore, 3);
    Await.waiting(semaphore, 1);

    semaphore.setLimit(2);

    assertThat(waiter.failed())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("3");
    Await.state(semaphore, 1, 0);
    holder.close();
    assertThat(semaphore.available()).isEqualTo(2);
  }

  /** After a shrink, a request above the new limit fails at once. */
  @Test
  default void aRequestAboveTheShrunkLimitFailsAtOnce() {
    Semaphore semaphore = semaphore(4);
    semaphore.setLimit(2);
    assertThatThrownBy(() -> semaphore.acquire(3))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("3");
    assertThatThrownBy(() -> semaphore.tryAcquire(3))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(semaphore.waiting()).isZero();
    assertThat(semaphore.available()).isEqualTo(2);
  }

  /**
   * {@code setLimit} returns at once, whatever is held or queued.
   *
   * @throws Exception if the backend throws where the contract says it must not
   */
  @Test
  default void setLimitNeverBlocksItsCaller() throws Exception {
    Semaphore semaphore = semaphore(3);
    Permit held = semaphore.acquire(3);
    Pending first = Pending.acquire(semaphore, 1);
    Await.waiting(semaphore, 1);
    Pending second = Pending.acquireAsync(semaphore, 1);
    Await.waiting(semaphore, 2);

    Forked.start(
            "resizer",
            () -> {
              semaphore.setLimit(1);
              semaphore.setLimit(2);
              semaphore.setLimit(1);
              return null;
            })
        .join();

    assertThat(semaphore.limit()).isEqualTo(1);
    assertThat(held.isHeld()).isTrue();
    assertThat(semaphore.waiting()).isEqualTo(2);
    held.close();
    Await.until(
        () -> first.isDone() || second.isDone(),
        () -> "nobody served after the release: " + Await.describe(semaphore));
    Pending served = first.isDone() ? first : second;
    Pending other = served == first ? second : first;
    assertThat(other.isDone()).as("two granted with limit 1").isFalse();
    served.granted().close();
    other.granted().close();
    assertThat(semaphore.available()).isEqualTo(1);
  }

  /** A limit below one is refused with a message naming it, and changes nothing. */
  @Test
  default void aLimitBelowOneIsRefused() {
    Semaphore semaphore = semaphore(2);
    for (int limit : new int[] {0, -1, Integer.MIN_VALUE}) {
      assertThatThrownBy(() -> semaphore.setLimit(limit))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining(String.valueOf(limit));
    }
    assertThat(semaphore.limit()).isEqualTo(2);
    assertThat(semaphore.available()).isEqualTo(2);
  }

  /**
   * Shrinking and growing back restores the free permits.
   *
   * @throws Exception if the backend throws where the contract says it must not
   */
  @Test
  default void shrinkingThenGrowingBackRestoresTheFreePermits() throws Exception {
    Semaphore semaphore = semaphore(4);
    Permit two = semaphore.acquire(2);

    semaphore.setLimit(2);
    assertThat(semaphore.available()).isZero();
    semaphore.setLimit(5);
    assertThat(semaphore.limit()).isEqualTo(5);
    assertThat(semaphore.available()).isEqualTo(3);

    two.close();
    assertThat(semaphore.available()).isEqualTo(5);
    assertThat(semaphore.stats().limit()).isEqualTo(5);
  }
}
