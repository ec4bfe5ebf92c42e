package io.permits.backend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.permits.Waits;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@link TicketWait}: a queued request's park, its wake-ups, and the wake-up message. */
@Timeout(30)
class TicketWaitTest {

  private static final long HOUR = TimeUnit.HOURS.toNanos(1);

  @Test
  void aMessageNamesTheTicketAndItsToken() {
    assertThat(TicketWait.ticketOf("client-1:17 42")).isEqualTo("client-1:17");
    assertThat(TicketWait.tokenOf("client-1:17 42")).isEqualTo(42);
  }

  @Test
  void aMessageMayNameAnEmptyTicket() {
    assertThat(TicketWait.ticketOf(" 42")).isEmpty();
    assertThat(TicketWait.tokenOf(" 42")).isEqualTo(42);
  }

  @Test
  void aMessageWithoutAValidTokenHasNone() {
    assertThat(TicketWait.ticketOf("client-1:17")).isEqualTo("client-1:17");
    assertThat(TicketWait.tokenOf("client-1:17")).isZero();
    assertThat(TicketWait.tokenOf("client-1:17 x")).isZero();
  }

  @Test
  void aTicketHandedALeaseBeforeItParksDoesNotParkAndKeepsTheToken() throws Exception {
    TicketWait wait = new TicketWait(true, System.nanoTime() + HOUR, HOUR);
    assertThat(wait.handedToken()).isZero();

    wait.handed(7);

    assertThat(wait.park(this, -1, () -> false)).isTrue();
    assertThat(wait.handedToken()).isEqualTo(7);
  }

  @Test
  void aHandOverWakesTheParkedThread() throws Exception {
    CompletableFuture<TicketWait> made = new CompletableFuture<>();
    CountDownLatch parking = new CountDownLatch(1);
    CompletableFuture<Boolean> parked = new CompletableFuture<>();
    Thread waiter =
        Thread.ofPlatform()
            .start(
                () -> {
                  TicketWait wait = new TicketWait(false, 0, HOUR);
                  made.complete(wait);
                  parking.countDown();
                  try {
                    parked.complete(wait.park(this, -1, () -> false));
                  } catch (InterruptedException unexpected) {
                    parked.completeExceptionally(unexpected);
                  }
                });
    TicketWait wait = made.get(10, TimeUnit.SECONDS);
    parking.await();
    Waits.awaitTrue(
        () -> waiter.getState() == Thread.State.TIMED_WAITING
            || waiter.getState() == Thread.State.TERMINATED);
    assertThat(waiter.getState()).as("parked for its hour").isEqualTo(Thread.State.TIMED_WAITING);

    wait.handed(9); // ends the hour's park

    assertThat(parked.get(10, TimeUnit.SECONDS)).isTrue();
    assertThat(wait.handedToken()).isEqualTo(9);
    waiter.join();
  }

  @Test
  void aWaitPastItsDeadlineTimesOutWithoutParking() throws Exception {
    TicketWait wait = new TicketWait(true, System.nanoTime() - 1, HOUR);

    assertThat(wait.park(this, -1, () -> false)).isFalse();
  }

  @Test
  void anUntimedWaitNeverTimesOut() throws Exception {
    TicketWait wait = new TicketWait(false, System.nanoTime() - HOUR, 1);

    assertThat(wait.park(this, -1, () -> false)).isTrue(); // back after the 1 ns refresh
  }

  @Test
  void aTimedWaitWokenBeforeItsDeadlineHasNotTimedOut() throws Exception {
    TicketWait wait = new TicketWait(true, System.nanoTime() + HOUR, 1);

    assertThat(wait.park(this, -1, () -> false)).isTrue();
  }

  @Test
  void aTimedWaitThatParksPastItsDeadlineTimesOut() throws Exception {
    TicketWait wait = new TicketWait(true, System.nanoTime() + 1_000_000, HOUR);

    while (wait.park(this, -1, () -> false)) {
      // parks at most until the deadline each time, then says it timed out
    }
    assertThat(wait.handedToken()).isZero();
  }

  @Test
  void aWaitHandedALeaseAsItsDeadlinePassesIsGranted() throws Exception {
    // the hook runs between the deadline check and the park: there the deadline passes and a
    // lease comes. A machine too slow to reach the hook before the deadline tries a later one.
    for (long margin = 10_000_000; ; margin *= 10) {
      long deadline = System.nanoTime() + margin;
      TicketWait wait = new TicketWait(true, deadline, HOUR);
      boolean[] hooked = {false};
      boolean granted =
          wait.park(
              this,
              -1,
              () -> {
                hooked[0] = true;
                while (System.nanoTime() - deadline <= 0) {
                  LockSupport.parkNanos(deadline - System.nanoTime());
                }
                wait.handed(5);
                return false;
              });
      if (hooked[0]) {
        assertThat(granted).isTrue();
        assertThat(wait.handedToken()).isEqualTo(5);
        return;
      }
      assertThat(granted).as("timed out before the hook").isFalse();
    }
  }

  @Test
  void aWaitWhoseDeadlinePassesBeforeItParksTimesOut() throws Exception {
    for (long margin = 10_000_000; ; margin *= 10) {
      long deadline = System.nanoTime() + margin;
      TicketWait wait = new TicketWait(true, deadline, HOUR);
      boolean[] hooked = {false};
      boolean granted =
          wait.park(
              this,
              -1,
              () -> { // between the deadline check and the park: the deadline passes
                hooked[0] = true;
                while (System.nanoTime() - deadline <= 0) {
                  LockSupport.parkNanos(deadline - System.nanoTime());
                }
                return true; // and the semaphore closed: no park
              });
      assertThat(granted).isFalse();
      if (hooked[0]) {
        return;
      }
    }
  }

  @Test
  void theFirstLeasesExpiryEndsThePark() throws Exception {
    TicketWait wait = new TicketWait(false, 0, HOUR);

    assertThat(wait.park(this, 0, () -> false)).isTrue(); // back after 1 ms, not an hour
  }

  @Test
  void aClosedSemaphoresRequestDoesNotPark() throws Exception {
    TicketWait wait = new TicketWait(false, 0, HOUR);

    assertThat(wait.park(this, -1, () -> true)).isTrue();
  }

  @Test
  void anInterruptBeforeTheParkOrDuringItThrows() throws Exception {
    TicketWait before = new TicketWait(false, 0, HOUR);
    Thread.currentThread().interrupt();
    assertThatThrownBy(() -> before.park(this, -1, () -> false))
        .isInstanceOf(InterruptedException.class);
    assertThat(Thread.interrupted()).isFalse();

    CompletableFuture<Throwable> thrown = new CompletableFuture<>();
    CountDownLatch parking = new CountDownLatch(1);
    Thread waiter =
        Thread.ofPlatform()
            .start(
                () -> {
                  TicketWait during = new TicketWait(false, 0, HOUR);
                  parking.countDown();
                  try {
                    during.park(this, -1, () -> false);
                    thrown.complete(null);
                  } catch (InterruptedException expected) {
                    thrown.complete(expected);
                  }
                });
    parking.await();
    waiter.interrupt();
    assertThat(thrown.get(10, TimeUnit.SECONDS)).isInstanceOf(InterruptedException.class);
    waiter.join();
  }
}
