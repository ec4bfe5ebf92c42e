package io.permits;

import static io.permits.Waits.awaitTrue;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A keyed request that waits at the total after its key's permits: its time, and its way out. */
@Timeout(30)
class KeyedSemaphoreWaitTest {

  private final AtomicLong acquiredWaited = new AtomicLong(-1);
  private final AtomicLong timedOutWaited = new AtomicLong(-1);
  private final KeyedSemaphore<String> keyed =
      KeyedSemaphore.builder()
          .name("api")
          .perKeyLimit(2)
          .limit(2)
          .listener(
              new SemaphoreListener() {
                @Override
                public void acquired(String semaphore, int permits, long waitedNanos) {
                  acquiredWaited.set(waitedNanos);
                }

                @Override
                public void timedOut(String semaphore, int permits, long waitedNanos) {
                  timedOutWaited.set(waitedNanos);
                }
              })
          .build();

  @Test
  void aTimedRequestWaitsAtTheTotalForWhatIsLeftOfItsTimeoutAndReportsThatWait()
      throws Exception {
    Permit a = keyed.acquire("a");
    Permit b = keyed.acquire("b"); // the total is full; key c is free
    long before = System.nanoTime();
    CompletableFuture<Optional<Permit>> c = new CompletableFuture<>();
    Thread waiter =
        Thread.ofPlatform()
            .start(
                () -> {
                  try {
                    c.complete(keyed.tryAcquire("c", 1, Duration.ofHours(1)));
                  } catch (InterruptedException | RuntimeException unexpected) {
                    c.completeExceptionally(unexpected);
                  }
                });
    // key c is free, so a parked waiter is parked at the total, with what is left of its hour
    awaitTrue(() -> waiter.getState() == Thread.State.TIMED_WAITING || c.isDone());
    assertThat(c).as("still waiting at the total").isNotDone();

    a.close();

    Optional<Permit> granted = c.get(10, TimeUnit.SECONDS);
    long elapsed = System.nanoTime() - before;
    assertThat(granted).isPresent();
    assertThat(acquiredWaited.get()).isBetween(0L, elapsed);
    granted.get().close();
    b.close();
  }

  @Test
  void aRequestTimedOutAtTheTotalReportsItsOwnWait() throws Exception {
    Permit a = keyed.acquire("a");
    Permit b = keyed.acquire("b");
    long before = System.nanoTime();

    Optional<Permit> c = keyed.tryAcquire("c", 1, Duration.ofMillis(20));

    long elapsed = System.nanoTime() - before;
    assertThat(c).isEmpty();
    assertThat(timedOutWaited.get()).isBetween(0L, elapsed);
    assertThat(keyed.keysInUse()).as("c's entry gone with its permit").isEqualTo(2);
    a.close();
    b.close();
  }

  @Test
  void aRequestInterruptedAtTheTotalGivesItsKeysPermitsBack() throws Exception {
    Permit a = keyed.acquire("a");
    Permit b = keyed.acquire("b"); // the total is full; b keeps its key in use
    CompletableFuture<Throwable> thrown = new CompletableFuture<>();
    Thread waiter =
        Thread.ofPlatform()
            .start(
                () -> {
                  try {
                    keyed.acquire("b").close();
                    thrown.complete(null);
                  } catch (InterruptedException expected) {
                    thrown.complete(expected);
                  }
                });
    Semaphore keyB = keyed.forKey("b");
    awaitTrue(() -> keyB.waiting() == 1); // at the total, with b's second permit

    waiter.interrupt();

    assertThat(thrown.get(10, TimeUnit.SECONDS)).isInstanceOf(InterruptedException.class);
    a.close(); // the total has room again: what b has left shows
    assertThat(keyB.available()).as("b's second permit, given back").isEqualTo(1);
    b.close();
  }

  @Test
  void aRequestForNoPermitsIsRefusedInTheKeyedSemaphoresName() {
    assertThatThrownBy(() -> keyed.acquire("a", 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("permits must be at least 1, was 0 (keyed semaphore 'api')");
    assertThat(keyed.keysInUse()).isZero();
  }
}
