package io.permits;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@link LocalSemaphore#holders()}: who holds what, since when; empty unless tracked. */
@Timeout(30)
class HoldersTest {

  @Test
  void trackedHoldersNameTheirThreadAndTimeOldestFirst() throws Exception {
    LocalSemaphore semaphore = LocalSemaphore.builder().name("pool").limit(5).trackHolders(true).build();
    Instant before = Instant.now();
    Permit mine = semaphore.acquire(2);
    CompletableFuture<Permit> theirs = new CompletableFuture<>();
    Thread other =
        Thread.ofPlatform()
            .name("holder-thread")
            .start(
                () -> {
                  try {
                    theirs.complete(semaphore.acquire(3));
                  } catch (InterruptedException e) {
                    theirs.completeExceptionally(e);
                  }
                });
    other.join();

    assertThat(semaphore.holders())
        .satisfiesExactly(
            first -> {
              assertThat(first.permits()).isEqualTo(2);
              assertThat(first.thread()).isEqualTo(Thread.currentThread().getName());
              assertThat(first.threadId()).isEqualTo(Thread.currentThread().threadId());
              assertThat(first.since()).isAfterOrEqualTo(before.minusMillis(1));
              assertThat(first.acquireSite()).as("only with leak detection").isNull();
            },
            second -> {
              assertThat(second.permits()).isEqualTo(3);
              assertThat(second.thread()).isEqualTo("holder-thread");
            });

    mine.close();
    assertThat(semaphore.holders()).singleElement().extracting(PermitHolder::permits).isEqualTo(3);
    theirs.join().close();
    assertThat(semaphore.holders()).isEmpty();
  }

  @Test
  void withLeakDetectionEachHolderHasItsAcquireSite() throws Exception {
    LocalSemaphore semaphore =
        LocalSemaphore.builder().limit(1).leakDetection(Duration.ofHours(1)).build();
    try (Permit permit = semaphore.acquire()) {
      assertThat(semaphore.holders())
          .singleElement()
          .satisfies(
              holder ->
                  assertThat(holder.acquireSite().getStackTrace())
                      .anySatisfy(
                          frame ->
                              assertThat(frame.getMethodName())
                                  .isEqualTo("withLeakDetectionEachHolderHasItsAcquireSite")));
    }
    assertThat(semaphore.holders()).isEmpty();
  }

  @Test
  void holdersAreListedOldestFirst() throws Exception {
    LocalSemaphore semaphore = LocalSemaphore.builder().limit(10).trackHolders(true).build();
    java.util.List<Permit> held = new java.util.ArrayList<>();
    for (int i = 1; i <= 10; i++) {
      held.add(semaphore.acquire(1));
    }
    assertThat(semaphore.holders())
        .hasSize(10)
        .isSortedAccordingTo(java.util.Comparator.comparing(PermitHolder::since));
    held.forEach(Permit::close);
    assertThat(semaphore.holders()).isEmpty();
  }

  @Test
  void untrackedSemaphoresListNoHolders() throws Exception {
    LocalSemaphore semaphore = Semaphore.of(2);
    try (Permit permit = semaphore.acquire()) {
      assertThat(semaphore.holders()).isEmpty();
    }
  }
}
