package io.permits;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** What the TCK cannot ask of every backend: hold times, the switches, peak waiting. */
@Timeout(30)
class ObservabilityStatsTest {

  @Test
  void holdTimesAreRecordedOnlyWhenAskedFor() throws Exception {
    LocalSemaphore plain = LocalSemaphore.builder().limit(2).build();
    plain.acquire().close();
    assertThat(plain.stats().holdTime()).isEqualTo(TimeSummary.EMPTY);

    LocalSemaphore timed = LocalSemaphore.builder().limit(2).recordHoldTimes(true).build();
    Permit first = timed.acquire();
    Permit second = timed.acquire(1);
    second.close();
    first.close();
    first.close(); // once

    TimeSummary hold = timed.stats().holdTime();
    assertThat(hold.count()).isEqualTo(2);
    assertThat(hold.maxNanos()).isPositive().isLessThanOrEqualTo(hold.totalNanos());
    assertThat(hold.mean()).isEqualTo(Duration.ofNanos(hold.totalNanos() / 2));
  }

  @Test
  void recordStatsFalseKeepsTheGaugesAndGrantsButNoOtherTotals() throws Exception {
    LocalSemaphore semaphore =
        LocalSemaphore.builder().limit(1).recordStats(false).recordHoldTimes(true).build();
    Permit held = semaphore.acquire();
    assertThat(semaphore.tryAcquire()).isEmpty();
    assertThat(semaphore.tryAcquire(Duration.ofMillis(1))).isEmpty();
    CompletableFuture<Permit> waiter = semaphore.acquireAsync();
    held.close();
    waiter.join().close();

    SemaphoreStats stats = semaphore.stats();
    assertThat(stats.grants()).isEqualTo(2);
    assertThat(stats.available()).isEqualTo(1);
    assertThat(stats.peakWaiting()).isEqualTo(1);
    assertThat(stats.rejections()).isZero();
    assertThat(stats.timeouts()).isZero();
    assertThat(stats.waitTime()).isEqualTo(TimeSummary.EMPTY);
    assertThat(stats.holdTime()).isEqualTo(TimeSummary.EMPTY);
  }

  @Test
  void peakWaitingIsTheLongestTheQueueEverWas() throws Exception {
    LocalSemaphore semaphore = LocalSemaphore.builder().limit(1).build();
    Permit held = semaphore.acquire();
    CompletableFuture<Permit> a = semaphore.acquireAsync();
    CompletableFuture<Permit> b = semaphore.acquireAsync();
    CompletableFuture<Permit> c = semaphore.acquireAsync();
    c.cancel(false);
    assertThat(semaphore.stats().waiting()).isEqualTo(2);
    held.close();
    a.join().close();
    b.join().close();

    SemaphoreStats stats = semaphore.stats();
    assertThat(stats.waiting()).isZero();
    assertThat(stats.peakWaiting()).isEqualTo(3);
    assertThat(stats.waitTime().count()).isEqualTo(2);
    assertThat(stats.cancellations()).isEqualTo(1);
  }

  @Test
  void theGrantCounterInTheStateWordSurvivesManyGrants() throws Exception {
    LocalSemaphore semaphore = LocalSemaphore.builder().limit(3).build();
    for (int i = 0; i < 100_000; i++) {
      semaphore.acquire().close();
    }
    assertThat(semaphore.stats().grants()).isEqualTo(100_000);
    assertThat(semaphore.available()).isEqualTo(3);
  }
}
