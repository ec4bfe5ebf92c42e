package io.permits;

import static io.permits.Waits.awaitTrue;
import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Field;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * When {@link Fairness#BOUNDED} starts and ends its handoff, without waiting for the bound: a
 * queued request is made overdue by moving its enqueue time back (white-box, by reflection), so
 * that every other request is well within the bound (ten minutes) for the whole test.
 */
@Timeout(30)
class BoundedHandoffTest {

  private static final Duration BOUND = Duration.ofMinutes(10);

  private final LocalSemaphore semaphore =
      LocalSemaphore.builder().limit(2).fairness(Fairness.BOUNDED).handoffAfter(BOUND).build();

  @Test
  void theHandoffLastsWhileOverdueWaitersAreServedAndEndsWithTheFirstOneWithinTheBound()
      throws Exception {
    Permit first = semaphore.acquire();
    Permit second = semaphore.acquire();
    CompletableFuture<Permit> overdue = semaphore.acquireAsync(2);
    makeHeadOverdue();
    CompletableFuture<Permit> recent = semaphore.acquireAsync(1);
    CompletableFuture<Permit> large = semaphore.acquireAsync(2);

    first.close(); // too few for the overdue head: the permit is set aside for it
    assertThat(semaphore.toString()).contains("handoff");
    second.close(); // the overdue head is served; the next one waits, the handoff goes on
    Permit two = overdue.join();
    assertThat(recent).isNotDone();
    assertThat(semaphore.toString()).contains("handoff");

    two.close(); // serves a request within the bound: back to barging
    assertThat(recent).isCompleted();
    assertThat(semaphore.toString()).doesNotContain("handoff");
    Optional<Permit> barged = semaphore.tryAcquire();
    assertThat(barged).as("a newcomer takes the free permit ahead of acquireAsync(2)").isPresent();
    assertThat(large).isNotDone();

    barged.orElseThrow().close();
    recent.join().close();
    large.join().close();
    assertThat(semaphore.available()).isEqualTo(2);
  }

  @Test
  void anOverdueHeadThatCanBeServedWholeIsServedWithoutAHandoff() throws Exception {
    Permit first = semaphore.acquire();
    Permit second = semaphore.acquire();
    CompletableFuture<Permit> overdue = semaphore.acquireAsync(1);
    CompletableFuture<Permit> next = semaphore.acquireAsync(1);
    makeHeadOverdue();

    first.close(); // exactly what the overdue head needs

    assertThat(overdue).isCompleted();
    assertThat(next).isNotDone();
    assertThat(semaphore.toString()).doesNotContain("handoff");
    overdue.join().close();
    next.join().close();
    second.close();
    assertThat(semaphore.available()).isEqualTo(2);
  }

  @Test
  void aBlockedWaiterFailedByCloseCountsAsClosedWhileWaiting() throws Exception {
    Permit held = semaphore.acquire(2);
    LocalSyncRaceWindowTest.Outcome<Permit> waiter =
        LocalSyncRaceWindowTest.Outcome.start(semaphore::acquire);
    awaitTrue(() -> semaphore.waiting() == 1);

    semaphore.close();
    waiter.thread.join();

    assertThat(waiter.failure).isInstanceOf(SemaphoreClosedException.class);
    assertThat(semaphore.stats().closedWhileWaiting()).isEqualTo(1);
    held.close();
  }

  /** Moves the queue head's enqueue time back by twice the bound. */
  private void makeHeadOverdue() throws ReflectiveOperationException {
    Field sync = LocalSemaphore.class.getDeclaredField("sync");
    sync.setAccessible(true);
    Field head = LocalSync.class.getDeclaredField("head");
    head.setAccessible(true);
    Object node = head.get(sync.get(semaphore));
    Field enqueuedAt = LocalSync.Node.class.getDeclaredField("enqueuedAt");
    enqueuedAt.setAccessible(true);
    enqueuedAt.setLong(node, enqueuedAt.getLong(node) - 2 * BOUND.toNanos());
  }
}
