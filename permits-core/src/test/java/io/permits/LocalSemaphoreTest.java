package io.permits;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** What the TCK cannot see from outside: the builder, fairness modes, and engine limits. */
@Timeout(60)
class LocalSemaphoreTest {

  @Test
  void builderDefaultsAreBoundedWithOnePermitAndAGeneratedName() {
    LocalSemaphore semaphore = LocalSemaphore.builder().build();
    assertThat(semaphore.fairness()).isEqualTo(Fairness.BOUNDED);
    assertThat(semaphore.limit()).isEqualTo(1);
    assertThat(semaphore.name()).startsWith("semaphore-");
    assertThat(semaphore.handoffAfter()).isEqualTo(LocalSemaphore.DEFAULT_HANDOFF_AFTER);
    assertThat(Semaphore.of(3).limit()).isEqualTo(3);
  }

  @Test
  void builderRejectsBadValuesNamingThem() {
    assertThatThrownBy(() -> LocalSemaphore.builder().limit(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("0");
    assertThatThrownBy(() -> Semaphore.of(-3))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("-3");
    assertThatThrownBy(() -> LocalSemaphore.builder().name(" "))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("' '");
    assertThatThrownBy(() -> LocalSemaphore.builder().name(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessageContaining("name");
    assertThatThrownBy(() -> LocalSemaphore.builder().fairness(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessageContaining("fairness");
    assertThatThrownBy(() -> LocalSemaphore.builder().handoffAfter(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("PT0S");
    assertThatThrownBy(() -> LocalSemaphore.builder().handoffAfter(Duration.ofMillis(-1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("PT-0.001S");
  }

  @Test
  void toStringNamesTheSemaphoreItsModeAndCounts() {
    LocalSemaphore semaphore =
        LocalSemaphore.builder().name("db").limit(3).fairness(Fairness.BARGING).build();
    assertThat(semaphore.toString())
        .contains("db")
        .contains("BARGING")
        .contains("limit=3")
        .contains("available=3");
    semaphore.close();
    assertThat(semaphore.toString()).contains("closed");
  }

  @Test
  void toStringShowsAHandoffOnlyWhileOneIsInForceAndClosedOnlyOnceClosed() throws Exception {
    LocalSemaphore strict =
        LocalSemaphore.builder().name("strict").limit(1).fairness(Fairness.STRICT).build();
    assertThat(strict.toString()).doesNotContain("closed").doesNotContain("handoff");
    Permit held = strict.acquire();
    CompletableFuture<Permit> waiter = strict.acquireAsync();
    assertThat(strict.toString())
        .contains("waiting=1")
        .contains("handoff")
        .doesNotContain("closed");
    held.close();
    waiter.join().close();
    assertThat(strict.toString()).contains("available=1").doesNotContain("handoff");

    LocalSemaphore barging =
        LocalSemaphore.builder().name("barging").limit(1).fairness(Fairness.BARGING).build();
    Permit other = barging.acquire();
    CompletableFuture<Permit> queued = barging.acquireAsync();
    assertThat(barging.toString()).contains("waiting=1").doesNotContain("handoff");
    barging.close();
    assertThat(barging.toString()).contains("closed");
    assertThat(queued).isCompletedExceptionally();
    other.close();
  }

  @Test
  void aPermitSaysWhetherItIsHeldAndItsWeight() throws Exception {
    LocalSemaphore semaphore = Semaphore.of(3);
    Permit permit = semaphore.acquire(2);
    assertThat(permit).hasToString("Permit[2, held]");
    permit.close();
    assertThat(permit).hasToString("Permit[2, released]");
  }

  @Test
  void aZeroTimeoutIsAnUntimedTryCountedAsARejectionNotATimeout() throws Exception {
    LocalSemaphore semaphore = Semaphore.of(1);
    Permit held = semaphore.acquire();
    assertThat(semaphore.tryAcquire(1, Duration.ZERO)).isEmpty();
    assertThat(semaphore.stats().rejections()).isEqualTo(1);
    assertThat(semaphore.stats().timeouts()).isZero();
    assertThat(semaphore.tryAcquire(1, Duration.ofNanos(1))).isEmpty();
    assertThat(semaphore.stats().timeouts()).isEqualTo(1);
    assertThat(semaphore.stats().rejections()).isEqualTo(1);
    held.close();
  }

  @Test
  void boundedWithAnExpiredBoundHandsOffToTheHeadLikeStrict() throws Exception {
    LocalSemaphore semaphore =
        LocalSemaphore.builder()
            .limit(2)
            .fairness(Fairness.BOUNDED)
            .handoffAfter(Duration.ofNanos(1))
            .build();
    Permit first = semaphore.acquire();
    Permit second = semaphore.acquire();
    CompletableFuture<Permit> big = semaphore.acquireAsync(2);

    first.close(); // the head has waited past 1 ns: handoff, the freed permit is set aside

    assertThat(semaphore.tryAcquire()).isEmpty();
    assertThat(big).isNotDone();
    second.close();
    assertThat(big).isCompleted();
    big.join().close();
    assertThat(semaphore.available()).isEqualTo(2);
  }

  @Test
  void boundedWithinItsBoundLetsNewcomersBargeLikeBarging() throws Exception {
    for (LocalSemaphore semaphore :
        List.of(
            LocalSemaphore.builder()
                .limit(2)
                .fairness(Fairness.BOUNDED)
                .handoffAfter(Duration.ofHours(1))
                .build(),
            LocalSemaphore.builder().limit(2).fairness(Fairness.BARGING).build())) {
      Permit first = semaphore.acquire();
      Permit second = semaphore.acquire();
      CompletableFuture<Permit> big = semaphore.acquireAsync(2);

      first.close();

      try (Permit barged = semaphore.tryAcquire().orElseThrow()) {
        assertThat(barged.permits()).isEqualTo(1);
      }
      assertThat(big).isNotDone();
      second.close();
      assertThat(big).isCompleted();
      big.join().close();
      assertThat(semaphore.available()).isEqualTo(2);
    }
  }

  @Test
  void strictNeverLetsANewcomerTakeFreePermitsWhileSomeoneWaits() throws Exception {
    LocalSemaphore semaphore = LocalSemaphore.builder().limit(3).fairness(Fairness.STRICT).build();
    Permit held = semaphore.acquire(2);
    CompletableFuture<Permit> big = semaphore.acquireAsync(3);
    assertThat(semaphore.available()).isZero(); // the free permit is set aside for the head
    assertThat(semaphore.tryAcquire()).isEmpty();
    assertThat(semaphore.stats().held()).isEqualTo(2);
    held.close();
    big.join().close();
    assertThat(semaphore.available()).isEqualTo(3);
  }

  @Test
  void aLongChainOfContinuationsThatReleaseDoesNotGrowTheStack() throws Exception {
    LocalSemaphore semaphore = Semaphore.of(1);
    Permit gate = semaphore.acquire();
    int chained = 100_000;
    AtomicInteger completed = new AtomicInteger();
    List<CompletableFuture<Void>> all = new ArrayList<>(chained);
    for (int i = 0; i < chained; i++) {
      all.add(
          semaphore
              .acquireAsync()
              .thenAccept(
                  permit -> {
                    completed.incrementAndGet();
                    permit.close(); // completes the next future: trampolined, not recursive
                  }));
    }
    gate.close();
    CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).join();
    assertThat(completed).hasValue(chained);
    assertThat(semaphore.available()).isEqualTo(1);
    assertThat(semaphore.waiting()).isZero();
  }

  @Test
  @SuppressWarnings("try") // the permit is held, not used, by the try block
  void tenThousandVirtualThreadsNeverExceedTheLimit() throws Exception {
    for (Fairness fairness : Fairness.values()) {
      LocalSemaphore semaphore = LocalSemaphore.builder().limit(10).fairness(fairness).build();
      AtomicInteger inside = new AtomicInteger();
      AtomicInteger maxInside = new AtomicInteger();
      try (var executor = Executors.newVirtualThreadPerTaskExecutor()) {
        for (int i = 0; i < 10_000; i++) {
          executor.submit(
              () -> {
                try (Permit permit = semaphore.acquire()) {
                  int now = inside.incrementAndGet();
                  maxInside.accumulateAndGet(now, Math::max);
                  Thread.yield();
                  inside.decrementAndGet();
                }
                return null;
              });
        }
      }
      assertThat(maxInside.get()).as(fairness.name()).isBetween(1, 10);
      assertThat(semaphore.available()).as(fairness.name()).isEqualTo(10);
      assertThat(semaphore.stats().grants()).as(fairness.name()).isEqualTo(10_000);
    }
  }

  @Test
  void aShrinkBelowTheHeldPermitsMakesNewGrantsWaitUntilHoldersReturnTheExcess() throws Exception {
    LocalSemaphore semaphore = Semaphore.of(4);
    Permit a = semaphore.acquire(2);
    Permit b = semaphore.acquire();
    Permit c = semaphore.acquire();
    semaphore.setLimit(2);
    assertThat(semaphore.available()).isZero();
    a.close(); // held 2 == limit 2
    assertThat(semaphore.available()).isZero();
    assertThat(semaphore.tryAcquire()).isEmpty();
    b.close(); // held 1
    assertThat(semaphore.available()).isEqualTo(1);
    c.close();
    assertThat(semaphore.available()).isEqualTo(2);
    assertThat(semaphore.stats().held()).isZero();
  }

  @Test
  void obtrudingAPermitFutureIsRefusedBecauseItWouldLoseThePermit() throws Exception {
    LocalSemaphore semaphore = Semaphore.of(1);
    Permit held = semaphore.acquire();
    CompletableFuture<Permit> future = semaphore.acquireAsync();
    assertThatThrownBy(() -> future.obtrudeValue(null))
        .isInstanceOf(UnsupportedOperationException.class);
    assertThatThrownBy(() -> future.obtrudeException(new RuntimeException()))
        .isInstanceOf(UnsupportedOperationException.class);
    held.close();
    future.join().close();
    assertThat(semaphore.available()).isEqualTo(1);
  }

  @Test
  void aFutureCompletedBehindTheSemaphoresBackLosesNoPermit() throws Exception {
    // completeAsync() completes the future without going through complete(), so the request is
    // not withdrawn: it stays queued until it is served, and the permit it is then granted,
    // which nobody can read, is closed at once.
    LocalSemaphore semaphore = Semaphore.of(1);
    Permit held = semaphore.acquire();
    CompletableFuture<Permit> future = semaphore.acquireAsync();
    future.completeAsync(() -> null, Runnable::run);
    assertThat(future).isCompletedWithValue(null);

    held.close();

    assertThat(semaphore.available()).isEqualTo(1);
    assertThat(semaphore.waiting()).isZero();
    assertThat(semaphore.stats().held()).isZero();
    assertThat(future).isCompletedWithValue(null);
  }

  @Test
  void aFutureTimedOutByOrTimeoutWithdrawsItsRequest() throws Exception {
    LocalSemaphore semaphore = Semaphore.of(1);
    Permit held = semaphore.acquire();
    CompletableFuture<Permit> future = semaphore.acquireAsync();
    assertThat(semaphore.waiting()).isEqualTo(1);
    future.completeExceptionally(new java.util.concurrent.TimeoutException("caller's deadline"));
    assertThat(semaphore.waiting()).isZero();
    held.close();
    assertThat(semaphore.available()).isEqualTo(1);
    assertThat(semaphore.stats().cancellations()).isEqualTo(1);
  }
}
