package io.permits.tck;

import static org.assertj.core.api.Assertions.assertThat;

import io.permits.Permit;
import io.permits.Semaphore;
import io.permits.SemaphoreStats;
import io.permits.TimeSummary;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * {@code stats()}: the gauges agree with the semaphore's own counts when it is quiet, and the
 * totals count grants, rejections, timeouts and cancellations as the scripted scenario makes them.
 */
public interface StatsContract extends BackendUnderTest {

  /** A new semaphore's statistics: every permit free, nothing counted yet. */
  @Test
  default void theStatsOfANewSemaphore() {
    Semaphore semaphore = semaphore(4);
    assertThat(semaphore.stats())
        .isEqualTo(
            new SemaphoreStats(
                4, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, TimeSummary.EMPTY, TimeSummary.EMPTY));
  }

  /**
   * The held gauge counts weight, and the gauges add up to the limit.
   *
   * @throws Exception if the backend throws where the contract says it must not
   */
  @Test
  default void theHeldGaugeCountsWeight() throws Exception {
    Semaphore semaphore = semaphore(5);
    Permit three = semaphore.acquire(3);
    Permit one = semaphore.acquire();

    SemaphoreStats stats = semaphore.stats();
    assertThat(stats.held()).isEqualTo(4);
    assertThat(stats.available()).isEqualTo(1);
    assertThat(stats.held() + stats.available()).isEqualTo(stats.limit());
    assertThat(stats.grants()).isEqualTo(2);

    three.close();
    one.close();
    assertThat(semaphore.stats().held()).isZero();
  }

  /**
   * The waiting gauge counts queued requests, not their weight.
   *
   * @throws Exception if the backend throws where the contract says it must not
   */
  @Test
  default void theWaitingGaugeCountsQueuedRequests() throws Exception {
    Semaphore semaphore = semaphore(2);
    Permit all = semaphore.acquire(2);
    Pending two = Pending.acquire(semaphore, 2);
    Await.waiting(semaphore, 1);
    Pending one = Pending.acquireAsync(semaphore, 1);
    Await.waiting(semaphore, 2);

    assertThat(semaphore.stats().waiting()).isEqualTo(2);

    all.close();
    two.granted().close();
    one.granted().close();
    assertThat(semaphore.stats().waiting()).isZero();
  }

  /**
   * A scripted scenario produces exact totals: grants (each once, whatever its weight),
   * rejections of untimed {@code tryAcquire}, timeouts of timed requests, cancellations of
   * futures, interrupts, closes while waiting, the peak of the queue, and the waits of the
   * requests that queued and were granted.
   *
   * @throws Exception if the backend throws where the contract says it must not
   */
  @Test
  default void aScriptedScenarioProducesExactTotals() throws Exception {
    Semaphore semaphore = semaphore(3);

    Permit two = semaphore.acquire(2); // grant 1
    Permit one = semaphore.tryAcquire().orElseThrow(); // grant 2
    assertThat(semaphore.tryAcquire()).isEmpty(); // rejection 1
    assertThat(semaphore.tryAcquire(2)).isEmpty(); // rejection 2
    assertThat(semaphore.tryAcquire(1, Await.SHORT)).isEmpty(); // timeout 1

    CompletableFuture<Permit> cancelled = semaphore.acquireAsync();
    Await.waiting(semaphore, 1);
    assertThat(semaphore.stats().waiting()).isEqualTo(1);
    assertThat(cancelled.cancel(false)).isTrue(); // cancellation 1
    Await.waiting(semaphore, 0);

    Pending interrupted = Pending.acquire(semaphore, 1);
    Await.waiting(semaphore, 1);
    interrupted.interrupt();
    assertThat(interrupted.failed()).isInstanceOf(InterruptedException.class); // interrupt 1

    Pending patient = Pending.acquire(semaphore, 1);
    Await.waiting(semaphore, 1);
    one.close();
    Permit third = patient.granted(); // grant 3, after a wait

    SemaphoreStats stats = semaphore.stats();
    assertThat(stats.limit()).isEqualTo(3);
    assertThat(stats.available()).isZero();
    assertThat(stats.held()).isEqualTo(3);
    assertThat(stats.waiting()).isZero();
    assertThat(stats.peakWaiting()).as("peak waiting").isEqualTo(1);
    assertThat(stats.grants()).as("grants").isEqualTo(3);
    assertThat(stats.rejections()).as("rejections").isEqualTo(2);
    assertThat(stats.timeouts()).as("timeouts").isEqualTo(1);
    assertThat(stats.cancellations()).as("cancellations").isEqualTo(1);
    assertThat(stats.interrupts()).as("interrupts").isEqualTo(1);
    assertThat(stats.closedWhileWaiting()).as("closed while waiting").isZero();
    assertThat(stats.leaks()).as("leaks").isZero();
    assertThat(stats.waitTime().count()).as("waits that ended in a grant").isEqualTo(1);
    assertThat(stats.waitTime().maxNanos())
        .isPositive()
        .isEqualTo(stats.waitTime().totalNanos());

    CompletableFuture<Permit> queuedAgain = semaphore.acquireAsync();
    Await.waiting(semaphore, 1);
    two.close();
    Permit fourth = queuedAgain.join(); // grant 4: the waiter got the permits first
    CompletableFuture<Permit> closedOn = semaphore.acquireAsync(3);
    Await.waiting(semaphore, 1);
    semaphore.close(); // closed while waiting 1
    assertThat(closedOn).isCompletedExceptionally();
    fourth.close();
    third.close();
    SemaphoreStats after = semaphore.stats();
    assertThat(after.available()).isEqualTo(3);
    assertThat(after.held()).isZero();
    assertThat(after.grants()).isEqualTo(4);
    assertThat(after.closedWhileWaiting()).as("closed while waiting").isEqualTo(1);
    assertThat(after.waitTime().count()).isEqualTo(2);
  }

  /**
   * An async request counts once as a grant, whether it was granted at once or after waiting.
   *
   * @throws Exception if the backend throws where the contract says it must not
   */
  @Test
  default void asyncGrantsAreCountedLikeOthers() throws Exception {
    Semaphore semaphore = semaphore(2);
    Permit atOnce = Pending.acquireAsync(semaphore, 1).granted(); // grant 1
    Permit holder = semaphore.acquire(); // grant 2
    Pending waited = Pending.acquireAsync(semaphore, 2);
    Await.waiting(semaphore, 1);
    assertThat(semaphore.stats().grants()).isEqualTo(2);

    atOnce.close();
    holder.close();
    Permit two = waited.granted(); // grant 3

    SemaphoreStats stats = semaphore.stats();
    assertThat(stats.grants()).isEqualTo(3);
    assertThat(stats.held()).isEqualTo(2);
    two.close();
  }

  /**
   * The held gauge counts only the permits callers hold: not permits set aside for a waiter
   * (under strict order a waiter for more than is free is given the free permits as they come),
   * and not those permits once that waiter leaves and they are free again.
   *
   * @throws Exception if the backend throws where the contract says it must not
   */
  @Test
  default void theHeldGaugeIgnoresPermitsSetAsideForAWaiterThatLeaves() throws Exception {
    Semaphore semaphore = semaphore(3);
    Permit two = semaphore.acquire(2);
    CompletableFuture<Permit> three = semaphore.acquireAsync(3);
    Await.waiting(semaphore, 1);
    assertThat(semaphore.stats().held()).as("held while acquireAsync(3) waits").isEqualTo(2);

    assertThat(three.cancel(false)).isTrue();

    Await.state(semaphore, 1, 0);
    SemaphoreStats stats = semaphore.stats();
    assertThat(stats.held()).as("held after the waiter left").isEqualTo(2);
    assertThat(stats.available()).isEqualTo(1);
    two.close();
    assertThat(semaphore.stats().held()).isZero();
  }

  /**
   * The limit gauge follows {@code setLimit}.
   *
   * @throws Exception if the backend throws where the contract says it must not
   */
  @Test
  default void theLimitGaugeFollowsSetLimit() throws Exception {
    Semaphore semaphore = semaphore(2);
    Permit one = semaphore.acquire();
    semaphore.setLimit(5);
    SemaphoreStats stats = semaphore.stats();
    assertThat(stats.limit()).isEqualTo(5);
    assertThat(stats.available()).isEqualTo(4);
    assertThat(stats.held()).isEqualTo(1);
    one.close();
  }
}
