package io.permits.tck;

import static org.assertj.core.api.Assertions.assertThat;

import io.permits.Permit;
import io.permits.Semaphore;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * One cancellation rule (rule 3): every way out of a wait (interrupt, timeout, cancelled or
 * completed future) removes the request and passes any permits already set aside for it to the
 * next waiter; removing the head of the queue re-runs grants. Each test runs once per {@link
 * WayOut}, and pins a bug found in a peer library.
 */
public interface AbandonContract extends BackendUnderTest {

  /**
   * golang/go#37852: when the head of the queue leaves, the waiters behind it that now fit must
   * be granted at once, without waiting for another release. Limit 2, one permit held; the head
   * wants 2 and waits; a second request wants 1 (queued behind the head under strict order). The
   * head leaves: the second request is granted while the first permit is still held.
   *
   * @param way how the head leaves the queue
   * @throws Exception if the backend throws where the contract says it must not
   */
  @ParameterizedTest(name = "the head leaves by {0}")
  @EnumSource(WayOut.class)
  @DisplayName("removing the queue head re-runs grants (golang/go#37852)")
  default void removingTheQueueHeadReRunsGrants(WayOut way) throws Exception {
    Scenario.run(
        way,
        timeout -> {
          Semaphore semaphore = semaphore(2);
          Permit holder = semaphore.acquire();
          Pending head = way.start(semaphore, 2, timeout);
          if (!Await.queuedOrDone(semaphore, 1, head::isDone)) {
            way.assertLeft(head);
            return false; // the head timed out before it was seen queued
          }
          Pending second = Pending.acquire(semaphore, 1);
          boolean bothQueued = Await.queuedOrDone(semaphore, 2, second::isDone);
          if (!bothQueued && strictOrder()) {
            if (!way.expires()) {
              throw new AssertionError("under strict order, acquire(1) overtook a queued acquire(2)");
            }
            way.assertLeft(head); // it timed out before the second request came: try longer
            second.granted();
            return false;
          }

          way.leave(head);
          way.assertLeft(head);

          Permit granted = second.granted();
          assertThat(granted.isHeld()).isTrue();
          assertThat(holder.isHeld()).isTrue();
          Await.state(semaphore, 0, 0);
          granted.close();
          holder.close();
          assertThat(semaphore.available()).isEqualTo(2);
          return true;
        });
  }

  /**
   * cpython#90155, anyio#1170: a waiter that leaves after permits were set aside for it passes
   * them on. Limit 3, two permits held; the head wants 3 and waits; a second request for 2
   * queues behind it; one permit is released. Under strict order the free permit and the
   * released one are set aside for the head; under barging they stay free but the head, which
   * does not fit, blocks the queue. The head leaves: the second request must get the two
   * permits at once, without another release.
   *
   * @param way how the head leaves the queue
   * @throws Exception if the backend throws where the contract says it must not
   */
  @ParameterizedTest(name = "the head leaves by {0}")
  @EnumSource(WayOut.class)
  @DisplayName("a waiter leaving after permits were assigned to it passes them on (cpython#90155, anyio#1170)")
  default void aWaiterCancelledAfterPermitsWereAssignedPassesThemOn(WayOut way) throws Exception {
    Scenario.run(
        way,
        timeout -> {
          Semaphore semaphore = semaphore(3);
          Permit first = semaphore.acquire();
          Permit second = semaphore.acquire();
          Pending head = way.start(semaphore, 3, timeout);
          if (!Await.queuedOrDone(semaphore, 1, head::isDone)) {
            way.assertLeft(head);
            return false;
          }
          Pending next = Pending.acquire(semaphore, 2); // 1 free: it must queue in every mode
          boolean bothQueued =
              Await.queuedOrDone(semaphore, 2, () -> next.isDone() || head.isDone());
          if (!bothQueued) {
            if (!way.expires()) {
              throw new AssertionError("acquire(2) did not queue with 1 permit free: " + next);
            }
            way.assertLeft(head);
            first.close();
            next.granted();
            return false;
          }
          first.close(); // strict: set aside for the head, which still needs one more
          if (semaphore.waiting() != 2) {
            if (way.expires()) {
              way.assertLeft(head);
              next.granted();
              return false;
            }
            if (strictOrder()) {
              throw new AssertionError("under strict order, acquire(2) overtook a queued acquire(3)");
            }
          }

          way.leave(head);
          way.assertLeft(head);

          Permit granted = next.granted();
          assertThat(granted.permits()).isEqualTo(2);
          assertThat(second.isHeld()).isTrue();
          Await.state(semaphore, 0, 0);
          granted.close();
          second.close();
          assertThat(semaphore.available()).isEqualTo(3);
          return true;
        });
  }

  /**
   * anyio#1170: with nobody behind it, a waiter that leaves after permits were set aside for it
   * gives them back to the semaphore. Limit 3, two permits held; the head wants 3; one permit is
   * released; the head leaves: two permits are free.
   *
   * @param way how the head leaves the queue
   * @throws Exception if the backend throws where the contract says it must not
   */
  @ParameterizedTest(name = "the head leaves by {0}")
  @EnumSource(WayOut.class)
  @DisplayName("a waiter leaving after permits were assigned to it gives them back (anyio#1170)")
  default void aWaiterLeavingAfterPermitsWereAssignedGivesThemBack(WayOut way) throws Exception {
    Scenario.run(
        way,
        timeout -> {
          Semaphore semaphore = semaphore(3);
          Permit first = semaphore.acquire();
          Permit second = semaphore.acquire();
          Pending head = way.start(semaphore, 3, timeout);
          if (!Await.queuedOrDone(semaphore, 1, head::isDone)) {
            way.assertLeft(head);
            return false;
          }
          first.close();
          boolean stillQueued = semaphore.waiting() == 1;
          if (!stillQueued) {
            if (!way.expires()) {
              throw new AssertionError("acquire(3) left the queue on its own: " + head.result());
            }
            way.assertLeft(head);
            return false;
          }

          way.leave(head);
          way.assertLeft(head);

          Await.state(semaphore, 2, 0);
          Optional<Permit> two = semaphore.tryAcquire(2);
          assertThat(two).as("tryAcquire(2) with 2 permits free after the head left").isPresent();
          two.orElseThrow().close();
          second.close();
          assertThat(semaphore.available()).isEqualTo(3);
          return true;
        });
  }

  /**
   * A waiter leaving from the middle of the queue leaves the others queued, and they are
   * served (in arrival order under strict order) as permits come back.
   *
   * @param way how the middle request leaves the queue
   * @throws Exception if the backend throws where the contract says it must not
   */
  @ParameterizedTest(name = "the middle one leaves by {0}")
  @EnumSource(WayOut.class)
  default void aWaiterLeavingTheMiddleOfTheQueueLeavesTheOthersServed(WayOut way)
      throws Exception {
    Scenario.run(
        way,
        timeout -> {
          Semaphore semaphore = semaphore(1);
          Permit holder = semaphore.acquire();
          Pending first = Pending.acquire(semaphore, 1);
          Await.waiting(semaphore, 1);
          Pending middle = way.start(semaphore, 1, timeout);
          if (!Await.queuedOrDone(semaphore, 2, middle::isDone)) {
            way.assertLeft(middle);
            holder.close();
            first.granted().close();
            return !way.expires() ? failed("the middle request left by itself") : false;
          }
          Pending last = Pending.acquire(semaphore, 1);
          if (!Await.queuedOrDone(semaphore, 3, middle::isDone) && way.expires()) {
            way.assertLeft(middle);
            holder.close();
            first.granted().close();
            last.granted().close();
            return false;
          }

          way.leave(middle);
          way.assertLeft(middle);
          Await.state(semaphore, 0, 2);

          holder.close();
          Await.until(
              () -> first.isDone() || last.isDone(),
              () -> "a release served nobody: " + Await.describe(semaphore));
          if (strictOrder()) {
            assertThat(first.isDone()).as("the first waiter is served first").isTrue();
          }
          Pending served = first.isDone() ? first : last;
          Pending other = served == first ? last : first;
          assertThat(other.isDone()).isFalse();
          served.granted().close();
          other.granted().close();
          assertThat(semaphore.available()).isEqualTo(1);
          assertThat(semaphore.waiting()).isZero();
          return true;
        });
  }

  private static boolean failed(String why) {
    throw new AssertionError(why);
  }

  /**
   * A timed request with a zero or tiny timeout never leaves a trace in the queue, whether or
   * not it got a permit.
   *
   * @throws Exception if the backend throws where the contract says it must not
   */
  @Test
  default void tinyTimeoutsLeaveNoTraceInTheQueue() throws Exception {
    Semaphore semaphore = semaphore(2);
    Permit held = semaphore.acquire(2);
    for (int i = 0; i < 100; i++) {
      assertThat(semaphore.tryAcquire(1, Duration.ofNanos(i * 1_000L))).isEmpty();
    }
    assertThat(semaphore.waiting()).isZero();
    held.close();
    assertThat(semaphore.available()).isEqualTo(2);
  }
}
