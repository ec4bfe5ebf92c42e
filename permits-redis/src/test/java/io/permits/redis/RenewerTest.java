package io.permits.redis;

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

/** When {@link Renewer} plans its sweeps and renews, with a recording timer and no Redis. */
@Timeout(30)
class RenewerTest {

  private static final long LEASE_MILLIS = 600;
  private static final long LEASE_NANOS = TimeUnit.MILLISECONDS.toNanos(LEASE_MILLIS);
  /** What a holder believes of a lease: its length less the drift margin. */
  private static final long BELIEVED_NANOS = RedisLease.believedNanos(LEASE_MILLIS);

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

  private record Call(String id, long atNanos, CompletableFuture<Boolean> reply) {}

  private final RecordingTimer timer = new RecordingTimer();
  private final LinkedBlockingQueue<Call> calls = new LinkedBlockingQueue<>();
  private final Renewer renewer =
      new Renewer(
          LEASE_MILLIS,
          timer,
          lease -> {
            CompletableFuture<Boolean> reply = new CompletableFuture<>();
            calls.add(new Call(lease.id(), System.nanoTime(), reply));
            return reply;
          });

  @AfterEach
  void stopTimer() {
    timer.shutdownNow();
  }

  private static RedisLease lease(String id, long grantSentNanos) {
    return new RedisLease(null, id, 1, null, grantSentNanos + BELIEVED_NANOS);
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
    RedisLease lease = lease("a", sent);
    renewer.add(lease);

    Call first = calls.poll(10, TimeUnit.SECONDS);
    assertThat(first).isNotNull();
    assertThat(first.id()).isEqualTo("a");
    assertThat(first.atNanos() - sent).isGreaterThanOrEqualTo(BELIEVED_NANOS / 3);
    assertThat(calls.poll(LEASE_MILLIS / 10, TimeUnit.MILLISECONDS)).isNull(); // one in flight
    first.reply().complete(true);

    Call second = calls.poll(10, TimeUnit.SECONDS);
    assertThat(second).isNotNull();
    long believed = RedisLease.believedNanos(LEASE_MILLIS); // the lease less a drift margin
    assertThat(second.atNanos() - first.atNanos()).isGreaterThanOrEqualTo(believed / 3);
    // the new deadline counts from before the renewal was sent, never from its reply
    assertThat(lease.deadlineNanos()).isBetween(sent + believed, first.atNanos() + believed);
    assertThat(lease.lost()).isNotDone();
    second.reply().complete(false); // Redis no longer has it

    lease.lost().get(10, TimeUnit.SECONDS);
    assertThat(lease.isHeld()).isFalse();
  }

  @Test
  void aLeaseWhoseRenewalNeverAnswersIsLostAtItsDeadline() throws Exception {
    long sent = System.nanoTime();
    RedisLease lease = lease("a", sent);
    renewer.add(lease);

    assertThat(calls.poll(10, TimeUnit.SECONDS)).isNotNull(); // never answered
    lease.lost().get(10, TimeUnit.SECONDS);

    assertThat(System.nanoTime() - sent).isGreaterThanOrEqualTo(BELIEVED_NANOS);
  }

  @Test
  void aClosedLeaseIsNotRenewed() throws Exception {
    RedisLease kept = lease("kept", System.nanoTime());
    RedisLease closed = lease("closed", System.nanoTime());
    renewer.add(kept);
    renewer.add(closed);
    renewer.remove(closed);

    Call call = calls.poll(10, TimeUnit.SECONDS);
    assertThat(call).isNotNull();
    assertThat(call.id()).isEqualTo("kept");
    assertThat(calls.poll(LEASE_MILLIS / 10, TimeUnit.MILLISECONDS)).isNull();
  }
}
