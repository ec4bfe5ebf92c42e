package io.permits.backend;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** When {@link Renewer} plans its sweeps and renews, with a recording timer and no store. */
@Timeout(30)
class RenewerTest {

  private static final long LEASE_MILLIS = 600;
  private static final long LEASE_NANOS = TimeUnit.MILLISECONDS.toNanos(LEASE_MILLIS);
  /** What a holder believes of a lease: its length less the drift margin. */
  private static final long BELIEVED_NANOS = Renewer.believedNanos(LEASE_MILLIS);

  /** A timer that records the delay of every task scheduled on it. */
  private static final class RecordingTimer extends ScheduledThreadPoolExecutor {
    final List<Long> delaysNanos = new CopyOnWriteArrayList<>();

    RecordingTimer() {
      super(1);
    }

    @Override
    public ScheduledFuture<?> schedule(Runnable task, long delay, TimeUnit unit) {
      delaysNanos.add(unit.toNanos(delay));
      return super.schedule(task, delay, unit);
    }

    @Override
    public ScheduledFuture<?> scheduleWithFixedDelay(
        Runnable task, long initialDelay, long delay, TimeUnit unit) {
      delaysNanos.add(unit.toNanos(initialDelay));
      return super.scheduleWithFixedDelay(task, initialDelay, delay, unit);
    }
  }

  /** A lease of no store: its deadline, and whether it was lost. */
  private static final class TestLease implements Renewer.Renewable {
    final String id;
    final CompletableFuture<Void> lost = new CompletableFuture<>();
    volatile long deadlineNanos;

    TestLease(String id, long deadlineNanos) {
      this.id = id;
      this.deadlineNanos = deadlineNanos;
    }

    @Override
    public long deadlineNanos() {
      return deadlineNanos;
    }

    @Override
    public void renewed(long newDeadlineNanos) {
      deadlineNanos = Math.max(deadlineNanos, newDeadlineNanos);
    }

    @Override
    public void markLost() {
      if (!lost.complete(null)) {
        throw new AssertionError("marked lost twice: " + id);
      }
    }
  }

  private record Call(String id, long atNanos, CompletableFuture<Boolean> reply) {}

  private final RecordingTimer timer = new RecordingTimer();
  private final LinkedBlockingQueue<Call> calls = new LinkedBlockingQueue<>();
  private final Renewer<TestLease> renewer =
      new Renewer<>(
          LEASE_MILLIS,
          timer,
          lease -> {
            CompletableFuture<Boolean> reply = new CompletableFuture<>();
            calls.add(new Call(lease.id, System.nanoTime(), reply));
            return reply;
          });

  @AfterEach
  void stopTimer() {
    timer.shutdownNow();
  }

  private static TestLease lease(String id, long grantSentNanos) {
    return new TestLease(id, grantSentNanos + BELIEVED_NANOS);
  }

  @Test
  void nothingIsPlannedUntilALeaseIsHeld() {
    assertThat(timer.delaysNanos).isEmpty();
  }

  @Test
  void theSweepIsPlannedForAThirdOfTheLeaseAfterTheGrantWasSent() {
    long sent = System.nanoTime();
    renewer.add(lease("a", sent));
    long elapsed = System.nanoTime() - sent;

    assertThat(timer.delaysNanos).hasSize(1);
    assertThat(timer.delaysNanos.get(0)).isBetween(BELIEVED_NANOS / 3 - elapsed, BELIEVED_NANOS / 3);
  }

  @Test
  void aLeaseDueAfterThePlannedSweepPlansNothingMore() {
    long sent = System.nanoTime();
    renewer.add(lease("a", sent));
    renewer.add(lease("b", sent + 1_000));
    renewer.add(lease("c", sent + 2_000));

    assertThat(timer.delaysNanos).hasSize(1);
  }

  @Test
  void aLeaseDueBeforeThePlannedSweepPlansItEarlier() {
    long sent = System.nanoTime();
    renewer.add(lease("late", sent));
    renewer.add(lease("early", sent - LEASE_NANOS / 6));

    assertThat(timer.delaysNanos).hasSize(2);
    assertThat(timer.delaysNanos.get(1)).isLessThan(timer.delaysNanos.get(0));
  }

  @Test
  void aLeaseIsRenewedOnceAThirdHasPassedAndAgainAThirdAfterThatRenewalWasSent()
      throws Exception {
    long sent = System.nanoTime();
    TestLease lease = lease("a", sent);
    renewer.add(lease);

    Call first = calls.poll(10, TimeUnit.SECONDS);
    assertThat(first).isNotNull();
    assertThat(first.id()).isEqualTo("a");
    assertThat(first.atNanos() - sent).isGreaterThanOrEqualTo(BELIEVED_NANOS / 3);
    assertThat(calls.poll(LEASE_MILLIS / 10, TimeUnit.MILLISECONDS)).isNull(); // one in flight
    first.reply().complete(true);

    Call second = calls.poll(10, TimeUnit.SECONDS);
    assertThat(second).isNotNull();
    long believed = Renewer.believedNanos(LEASE_MILLIS); // the lease less a drift margin
    // the new deadline counts from before the renewal was sent, never from its reply
    assertThat(lease.deadlineNanos()).isBetween(sent + believed, first.atNanos() + believed);
    // and the next renewal comes a third after that send (the renewer's own reading of the
    // clock, a little before this test saw the call)
    long firstSent = lease.deadlineNanos() - believed;
    assertThat(second.atNanos() - firstSent).isGreaterThanOrEqualTo(believed / 3);
    assertThat(lease.lost).isNotDone();
    second.reply().complete(false); // the store no longer has it

    lease.lost.get(10, TimeUnit.SECONDS);
  }

  @Test
  void aLeaseWhoseRenewalNeverAnswersIsLostAtItsDeadline() throws Exception {
    long sent = System.nanoTime();
    TestLease lease = lease("a", sent);
    renewer.add(lease);

    assertThat(calls.poll(10, TimeUnit.SECONDS)).isNotNull(); // never answered
    lease.lost.get(10, TimeUnit.SECONDS);

    assertThat(System.nanoTime() - sent).isGreaterThanOrEqualTo(BELIEVED_NANOS);
  }

  @Test
  void aClosedLeaseIsNotRenewed() throws Exception {
    TestLease kept = lease("kept", System.nanoTime());
    TestLease closed = lease("closed", System.nanoTime());
    renewer.add(kept);
    renewer.add(closed);
    renewer.remove(closed);

    Call call = calls.poll(10, TimeUnit.SECONDS);
    assertThat(call).isNotNull();
    assertThat(call.id()).isEqualTo("kept");
    assertThat(calls.poll(LEASE_MILLIS / 10, TimeUnit.MILLISECONDS)).isNull();
  }

  @Test
  void aFailedRenewalIsTriedAgainASixthOfTheLeaseLater() throws Exception {
    long sent = System.nanoTime();
    TestLease lease = lease("a", sent);
    renewer.add(lease);

    Call first = calls.poll(10, TimeUnit.SECONDS);
    assertThat(first).isNotNull();
    first.reply().completeExceptionally(new IllegalStateException("connection lost"));

    Call second = calls.poll(10, TimeUnit.SECONDS);
    assertThat(second).isNotNull();
    assertThat(second.atNanos() - first.atNanos())
        .isGreaterThanOrEqualTo(LEASE_NANOS / 6 - TimeUnit.MILLISECONDS.toNanos(5));
    long before = lease.deadlineNanos();
    second.reply().complete(true); // the reply's callback may run on the timer's thread
    long waitUntil = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (lease.deadlineNanos() == before && System.nanoTime() - waitUntil < 0) {
      Thread.onSpinWait();
    }
    // extended from when the second renewal was sent
    assertThat(lease.deadlineNanos())
        .isBetween(first.atNanos() + BELIEVED_NANOS, second.atNanos() + BELIEVED_NANOS);
    assertThat(lease.lost).isNotDone();
  }

  @Test
  void aSenderThatThrowsIsTriedAgainAndTheLeaseIsLostAtItsDeadline() throws Exception {
    ScheduledThreadPoolExecutor ownTimer = new ScheduledThreadPoolExecutor(1);
    try {
      List<Long> attempts = new CopyOnWriteArrayList<>();
      Renewer<TestLease> failing =
          new Renewer<>(
              LEASE_MILLIS,
              ownTimer,
              lease -> {
                attempts.add(System.nanoTime());
                throw new IllegalStateException("not connected");
              });
      long sent = System.nanoTime();
      TestLease lease = lease("a", sent);
      failing.add(lease);

      lease.lost.get(10, TimeUnit.SECONDS);
      assertThat(System.nanoTime() - sent).isGreaterThanOrEqualTo(BELIEVED_NANOS);
      // at a third of the lease, then at most every sixth until the deadline
      assertThat(attempts).hasSizeBetween(2, 4);
      for (int i = 1; i < attempts.size(); i++) {
        // planned from the sweep's clock reading, just before the previous attempt was recorded
        assertThat(attempts.get(i) - attempts.get(i - 1))
            .isGreaterThanOrEqualTo(LEASE_NANOS / 6 - TimeUnit.MILLISECONDS.toNanos(5));
      }
    } finally {
      ownTimer.shutdownNow();
    }
  }

  @Test
  void aLeaseClosedWhileItsRenewalIsInFlightIsNeitherRenewedAgainNorLost() throws Exception {
    TestLease lease = lease("a", System.nanoTime());
    renewer.add(lease);
    Call first = calls.poll(10, TimeUnit.SECONDS);
    assertThat(first).isNotNull();

    renewer.remove(lease);
    first.reply().complete(false); // gone by now: released

    assertThat(calls.poll(LEASE_MILLIS * 2, TimeUnit.MILLISECONDS)).isNull();
    assertThat(lease.lost).isNotDone();
  }

  @Test
  void theWatchdogIsOneDaemonThreadOfTheGivenNameThatDropsCancelledTasks() throws Exception {
    ScheduledThreadPoolExecutor watchdog = Renewer.watchdog("permits-test-watchdog");
    try {
      Thread thread = watchdog.submit(Thread::currentThread).get(10, TimeUnit.SECONDS);
      assertThat(thread.getName()).isEqualTo("permits-test-watchdog");
      assertThat(thread.isDaemon()).isTrue();
      assertThat(thread.isVirtual()).isFalse();
      assertThat(watchdog.getRemoveOnCancelPolicy()).isTrue();
      assertThat(watchdog.getCorePoolSize()).isEqualTo(1);
    } finally {
      watchdog.shutdownNow();
    }
  }

  @Test
  void aHolderBelievesTheLeaseLessOnePercentAndTwoMilliseconds() {
    assertThat(Renewer.believedNanos(30_000)).isEqualTo(TimeUnit.MILLISECONDS.toNanos(29_698));
    assertThat(Renewer.believedNanos(600)).isEqualTo(TimeUnit.MILLISECONDS.toNanos(592));
  }
}
