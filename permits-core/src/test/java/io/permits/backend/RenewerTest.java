package io.permits.backend;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link Renewer} on the real clock and a real timer, with no store: renewals happen and a lease
 * is never lost before its deadline. {@link RenewerOnAManualClockTest} checks the exact times.
 */
@Timeout(30)
class RenewerTest {

  private static final long LEASE_MILLIS = 600;
  private static final long LEASE_NANOS = TimeUnit.MILLISECONDS.toNanos(LEASE_MILLIS);
  /** What a holder believes of a lease: its length less the drift margin. */
  private static final long BELIEVED_NANOS = Renewer.believedNanos(LEASE_MILLIS);

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

  private final ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1);
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
