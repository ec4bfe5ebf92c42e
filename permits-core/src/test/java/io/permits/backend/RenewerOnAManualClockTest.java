package io.permits.backend;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Delayed;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link Renewer} on a clock and a timer that the test moves by hand: when each sweep is planned,
 * what it sends, and exactly when a lease is lost, to the nanosecond. The clock starts just below
 * {@link Long#MAX_VALUE}, so every deadline lies past the point where {@code nanoTime} values wrap.
 */
@Timeout(30)
class RenewerOnAManualClockTest {

  private static final long LEASE_MILLIS = 600;
  private static final long LEASE_NANOS = TimeUnit.MILLISECONDS.toNanos(LEASE_MILLIS);
  private static final long BELIEVED = Renewer.believedNanos(LEASE_MILLIS);
  private static final long RETRY = LEASE_NANOS / 6;
  private static final long START = Long.MAX_VALUE - BELIEVED / 2;

  /** A task on the manual timer: due at a clock value, run only by {@link #runUntil}. */
  private static final class Task implements ScheduledFuture<Object> {
    final long atNanos;
    final Runnable body;
    volatile boolean cancelled;

    Task(long atNanos, Runnable body) {
      this.atNanos = atNanos;
      this.body = body;
    }

    @Override
    public boolean cancel(boolean mayInterrupt) {
      cancelled = true;
      return true;
    }

    @Override
    public boolean isCancelled() {
      return cancelled;
    }

    @Override
    public boolean isDone() {
      return cancelled;
    }

    @Override
    public Object get() {
      throw new UnsupportedOperationException();
    }

    @Override
    public Object get(long timeout, TimeUnit unit) {
      throw new UnsupportedOperationException();
    }

    @Override
    public long getDelay(TimeUnit unit) {
      throw new UnsupportedOperationException();
    }

    @Override
    public int compareTo(Delayed other) {
      throw new UnsupportedOperationException();
    }
  }

  /** A timer that keeps what is scheduled on it until the test runs it. */
  private final class ManualTimer extends ScheduledThreadPoolExecutor {
    final List<Task> tasks = new ArrayList<>();

    ManualTimer() {
      super(1);
    }

    @Override
    public ScheduledFuture<?> schedule(Runnable body, long delay, TimeUnit unit) {
      Task task = new Task(clock.get() + unit.toNanos(delay), body);
      tasks.add(task);
      return task;
    }
  }

  /** A lease of no store; its hash fixes where the renewer's set iterates over it. */
  private static final class TestLease implements Renewer.Renewable {
    final int order;
    final CompletableFuture<Void> lost = new CompletableFuture<>();
    long deadlineNanos;

    TestLease(int order, long deadlineNanos) {
      this.order = order;
      this.deadlineNanos = deadlineNanos;
    }

    @Override
    public long deadlineNanos() {
      return deadlineNanos;
    }

    @Override
    public void renewed(long newDeadlineNanos) {
      if (newDeadlineNanos - deadlineNanos > 0) {
        deadlineNanos = newDeadlineNanos;
      }
    }

    @Override
    public void markLost() {
      if (!lost.complete(null)) {
        throw new AssertionError("marked lost twice: " + order);
      }
    }

    @Override
    public int hashCode() {
      return order;
    }

    @Override
    public boolean equals(Object other) {
      return this == other;
    }
  }

  private record Call(TestLease lease, long atNanos, CompletableFuture<Boolean> reply) {}

  private final AtomicLong clock = new AtomicLong(START);
  private final ManualTimer timer = new ManualTimer();
  private final List<Call> calls = new ArrayList<>();
  private final Renewer<TestLease> renewer =
      new Renewer<>(
          LEASE_MILLIS,
          timer,
          lease -> {
            CompletableFuture<Boolean> reply = new CompletableFuture<>();
            calls.add(new Call(lease, clock.get(), reply));
            return reply;
          },
          clock::get);

  @AfterEach
  void stopTimer() {
    timer.shutdownNow();
  }

  /** Moves the clock to {@code until}, running each task when the clock reaches its time. */
  private void runUntil(long until) {
    while (true) {
      Task next =
          timer.tasks.stream()
              .filter(task -> !task.cancelled && task.atNanos - until <= 0)
              .min(Comparator.comparingLong(task -> task.atNanos - START))
              .orElse(null);
      if (next == null) {
        clock.set(until);
        return;
      }
      if (next.atNanos - clock.get() > 0) {
        clock.set(next.atNanos);
      }
      timer.tasks.remove(next);
      next.body.run();
    }
  }

  /** The times of the tasks still planned, earliest first. */
  private List<Long> planned() {
    return timer.tasks.stream()
        .filter(task -> !task.cancelled)
        .map(task -> task.atNanos)
        .sorted(Comparator.comparingLong(at -> at - START))
        .toList();
  }

  /** A lease whose grant was sent at {@code sentNanos}. */
  private static TestLease lease(int order, long sentNanos) {
    return new TestLease(order, sentNanos + BELIEVED);
  }

  private static long renewalDue(TestLease lease) {
    return lease.deadlineNanos - BELIEVED * 2 / 3;
  }

  @Test
  void theFirstSweepIsPlannedForAThirdOfTheBeliefAfterTheGrantWasSent() {
    TestLease lease = lease(0, START);
    renewer.add(lease);

    assertThat(planned()).containsExactly(renewalDue(lease));
    assertThat(renewalDue(lease) - START).isEqualTo(BELIEVED - BELIEVED * 2 / 3);
  }

  @Test
  void aLeaseDueWhenTheSweepIsAlreadyPlannedPlansNothingMore() {
    renewer.add(lease(0, START));
    renewer.add(lease(1, START));
    renewer.add(lease(2, START + 1));

    assertThat(timer.tasks).hasSize(1);
  }

  @Test
  void aLeaseIsRenewedExactlyWhenItIsDueAndNotBefore() {
    TestLease lease = lease(0, START);
    renewer.add(lease);

    runUntil(renewalDue(lease) - 1);
    assertThat(calls).isEmpty();
    runUntil(renewalDue(lease));
    assertThat(calls).extracting(Call::lease).containsExactly(lease);
  }

  @Test
  void aSentRenewalPlansTheNextSweepAtTheDeadlineAndSendsNothingMoreMeanwhile() {
    TestLease lease = lease(0, START);
    renewer.add(lease);

    runUntil(renewalDue(lease));
    assertThat(planned()).containsExactly(lease.deadlineNanos);
    runUntil(lease.deadlineNanos - 1);
    assertThat(calls).hasSize(1);
    assertThat(lease.lost).isNotDone();
  }

  @Test
  void aLeaseWhoseRenewalNeverAnswersIsLostExactlyAtItsDeadline() {
    TestLease lease = lease(0, START);
    renewer.add(lease);

    runUntil(lease.deadlineNanos - 1);
    assertThat(lease.lost).isNotDone();
    runUntil(lease.deadlineNanos);
    assertThat(lease.lost).isDone();
    assertThat(planned()).isEmpty();
  }

  @Test
  void aRenewalExtendsTheBeliefFromWhenItWasSentAndPlansTheNextAThirdAfterThat() {
    TestLease lease = lease(0, START);
    renewer.add(lease);
    runUntil(renewalDue(lease));
    Call first = calls.get(0);

    clock.addAndGet(5_000_000); // the reply comes 5 ms after the send
    first.reply().complete(true);

    assertThat(lease.deadlineNanos).isEqualTo(first.atNanos() + BELIEVED);
    assertThat(planned()).first().isEqualTo(renewalDue(lease));
    runUntil(renewalDue(lease));
    assertThat(calls).hasSize(2);
    assertThat(lease.lost).isNotDone();
  }

  @Test
  void aRenewalThatFindsTheLeaseGoneMarksItLostAtOnce() {
    TestLease lease = lease(0, START);
    renewer.add(lease);
    runUntil(renewalDue(lease));

    calls.get(0).reply().complete(false);

    assertThat(lease.lost).isDone();
    runUntil(lease.deadlineNanos + LEASE_NANOS);
    assertThat(calls).hasSize(1);
  }

  @Test
  void aRenewalThatFailsIsTriedAgainASixthOfTheLeaseLater() {
    TestLease lease = lease(0, START);
    renewer.add(lease);
    runUntil(renewalDue(lease));
    Call first = calls.get(0);

    first.reply().completeExceptionally(new IllegalStateException("connection lost"));

    assertThat(planned()).first().isEqualTo(first.atNanos() + RETRY);
    runUntil(first.atNanos() + RETRY - 1);
    assertThat(calls).hasSize(1);
    runUntil(first.atNanos() + RETRY);
    assertThat(calls).hasSize(2);
  }

  @Test
  void aSenderThatThrowsIsTriedEverySixthUntilTheDeadlineAndTheLeaseIsLostThen() {
    List<Long> attempts = new ArrayList<>();
    Renewer<TestLease> failing =
        new Renewer<>(
            LEASE_MILLIS,
            timer,
            lease -> {
              attempts.add(clock.get());
              throw new IllegalStateException("not connected");
            },
            clock::get);
    TestLease lease = lease(0, START);
    failing.add(lease);

    runUntil(lease.deadlineNanos - 1);
    long due = renewalDue(lease);
    List<Long> expected = new ArrayList<>();
    for (long at = due; at - lease.deadlineNanos < 0; at += RETRY) {
      expected.add(at);
    }
    assertThat(attempts).containsExactlyElementsOf(expected);
    assertThat(planned()).containsExactly(lease.deadlineNanos); // not a retry past it
    assertThat(lease.lost).isNotDone();
    runUntil(lease.deadlineNanos);
    assertThat(lease.lost).isDone();
  }

  @Test
  void aSweepRenewsOnlyTheLeasesDueAndPlansForTheEarliestOfTheRest() {
    TestLease late = lease(0, START + LEASE_NANOS / 10); // iterated first
    TestLease early = lease(1, START);
    renewer.add(late);
    renewer.add(early);

    runUntil(renewalDue(early));

    assertThat(calls).extracting(Call::lease).containsExactly(early);
    // early's renewal is in flight until its deadline; late is due before that
    assertThat(planned()).containsExactly(renewalDue(late));
  }

  @Test
  void aLeaseWithItsRenewalInFlightIsNotSentAgainBySweepsForOthers() {
    TestLease early = lease(0, START);
    TestLease late = lease(1, START + LEASE_NANOS / 10); // iterated last
    renewer.add(early);
    renewer.add(late);

    runUntil(renewalDue(late));

    assertThat(calls).extracting(Call::lease).containsExactly(early, late);
    assertThat(planned()).containsExactly(early.deadlineNanos);
    runUntil(early.deadlineNanos);
    assertThat(early.lost).isDone();
    assertThat(late.lost).isNotDone();
    assertThat(planned()).containsExactly(late.deadlineNanos);
  }

  @Test
  void aSweepThatRunsAfterItWasReplacedLeavesTheNewPlanAlone() {
    TestLease lease = lease(0, START);
    renewer.add(lease);
    Task first = timer.tasks.get(0);
    runUntil(renewalDue(lease)); // renewal sent; the next sweep planned at the deadline

    clock.incrementAndGet();
    first.body.run(); // the same sweep again, as a cancel that came too late would run it

    assertThat(calls).hasSize(1);
    assertThat(planned()).containsExactly(lease.deadlineNanos);
  }

  @Test
  void aClosedLeaseIsNeitherRenewedNorLost() {
    TestLease kept = lease(0, START);
    TestLease closed = lease(1, START);
    renewer.add(kept);
    renewer.add(closed);
    renewer.remove(closed);

    runUntil(closed.deadlineNanos + LEASE_NANOS);

    assertThat(calls).extracting(Call::lease).containsExactly(kept);
    assertThat(closed.lost).isNotDone();
    assertThat(kept.lost).isDone();
  }

  @Test
  void aLeaseClosedWhileItsRenewalIsInFlightIsNeitherRenewedAgainNorLost() {
    TestLease lease = lease(0, START);
    renewer.add(lease);
    runUntil(renewalDue(lease));

    renewer.remove(lease);
    calls.get(0).reply().complete(false); // gone by now: released

    runUntil(lease.deadlineNanos + LEASE_NANOS);
    assertThat(calls).hasSize(1);
    assertThat(lease.lost).isNotDone();
  }

  @Test
  void aLeaseAddedAlreadyDueIsRenewedAtOnceBesideOneInFlightSinceThatInstant() {
    TestLease inFlight = lease(0, START);
    renewer.add(inFlight);
    runUntil(renewalDue(inFlight));
    TestLease overdue = lease(1, START - BELIEVED / 2); // its grant was sent long ago

    renewer.add(overdue);
    runUntil(renewalDue(inFlight)); // the same instant

    assertThat(calls).extracting(Call::lease).containsExactly(inFlight, overdue);
    assertThat(planned()).containsExactly(overdue.deadlineNanos);
  }
}
