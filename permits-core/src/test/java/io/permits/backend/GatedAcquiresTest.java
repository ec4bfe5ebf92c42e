package io.permits.backend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.permits.Fairness;
import io.permits.Permit;
import io.permits.SemaphoreClosedException;
import io.permits.Waits;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@link GatedAcquires}: the gate first, then one request to a store that the test plays. */
@Timeout(30)
class GatedAcquiresTest {

  private static final int LIMIT = 3;
  private static final long HOUR = TimeUnit.HOURS.toNanos(1);

  /** What the store was asked, and on which thread. */
  private record Asked(int permits, boolean timed, long deadlineNanos, boolean now, Thread on) {}

  /** How the store answers a request that may wait. */
  private interface Answer {
    @Nullable RemoteLease answer(Permit gatePermit) throws InterruptedException;
  }

  private final Gate gate = new Gate("g", LIMIT, 1, Fairness.STRICT, Integer.MAX_VALUE, () -> {});
  private final List<Asked> asked = new ArrayList<>();
  private final List<RemoteLease> released = new ArrayList<>();
  private volatile Answer answer = this::lease;
  private volatile boolean nowGrants = true;

  private final GatedAcquires acquires =
      new GatedAcquires(
          gate,
          "test-async",
          new GatedAcquires.Store() {
            @Override
            public @Nullable RemoteLease request(Permit gatePermit, boolean timed, long deadline)
                throws InterruptedException {
              record(new Asked(gatePermit.permits(), timed, deadline, false, Thread.currentThread()));
              return answer.answer(gatePermit);
            }

            @Override
            public @Nullable RemoteLease requestNow(Permit gatePermit) {
              record(new Asked(gatePermit.permits(), false, 0, true, Thread.currentThread()));
              if (nowGrants) {
                return lease(gatePermit);
              }
              gatePermit.close();
              return null;
            }
          });

  private synchronized void record(Asked request) {
    asked.add(request);
  }

  private synchronized List<Asked> asked() {
    return List.copyOf(asked);
  }

  private RemoteLease lease(Permit gatePermit) {
    return new RemoteLease("g", "id", 1, gatePermit, System.nanoTime() + HOUR, this::releasedOne);
  }

  private synchronized void releasedOne(RemoteLease lease) {
    released.add(lease);
  }

  private synchronized List<RemoteLease> released() {
    return List.copyOf(released);
  }

  @Test
  void anAcquireTakesThePermitsAtTheGateThenWaitsForTheStoreUntimed() throws Exception {
    Permit lease = acquires.acquire(2);

    assertThat(asked()).hasSize(1);
    assertThat(asked().get(0).permits()).isEqualTo(2);
    assertThat(asked().get(0).timed()).isFalse();
    assertThat(asked().get(0).now()).isFalse();
    assertThat(gate.local().available()).isEqualTo(1);
    lease.close();
    assertThat(gate.local().available()).isEqualTo(LIMIT);
  }

  @Test
  void anUntimedWaitThatEndsWithoutALeaseIsABug() {
    answer = gatePermit -> null;

    assertThatThrownBy(() -> acquires.acquire(1))
        .isInstanceOf(NullPointerException.class)
        .hasMessageContaining("an untimed wait ends with a lease or a throw");
  }

  @Test
  void aTryAcquireAsksTheStoreOnceWithoutWaiting() throws Exception {
    Optional<Permit> granted = acquires.tryAcquire(1);

    assertThat(granted).isPresent();
    assertThat(asked()).singleElement().extracting(Asked::now).isEqualTo(true);
    granted.get().close();

    nowGrants = false;
    assertThat(acquires.tryAcquire(1)).isEmpty();
    assertThat(gate.local().available()).isEqualTo(LIMIT);
  }

  @Test
  void aTryAcquireThatFindsTheGateFullDoesNotAskTheStore() throws Exception {
    Permit all = acquires.acquire(LIMIT);
    asked.clear();

    assertThat(acquires.tryAcquire(1)).isEmpty();
    assertThat(acquires.tryAcquire(1, Duration.ZERO)).isEmpty();
    assertThat(asked()).isEmpty();
    all.close();
  }

  @Test
  void aTimedTryAcquireGivesTheStoreItsDeadline() throws Exception {
    long before = System.nanoTime();
    Optional<Permit> granted = acquires.tryAcquire(2, Duration.ofHours(1));
    long after = System.nanoTime();

    assertThat(granted).isPresent();
    Asked request = asked().get(0);
    assertThat(request.timed()).isTrue();
    assertThat(request.deadlineNanos() - before).isGreaterThanOrEqualTo(HOUR);
    assertThat(request.deadlineNanos() - after).isLessThanOrEqualTo(HOUR);
    granted.get().close();

    answer =
        gatePermit -> {
          gatePermit.close(); // timed out in the store: holds nothing
          return null;
        };
    assertThat(acquires.tryAcquire(1, Duration.ofHours(1))).isEmpty();
    assertThat(gate.local().available()).isEqualTo(LIMIT);
  }

  @Test
  void aTimedTryAcquireNeedsATimeout() {
    assertThatThrownBy(() -> acquires.tryAcquire(1, null))
        .isInstanceOf(NullPointerException.class)
        .hasMessageContaining("timeout");
  }

  @Test
  void anAsyncAcquireWaitsForTheStoreOnAVirtualThreadOfItsOwn() throws Exception {
    Permit lease = acquires.acquireAsync(1).get(10, TimeUnit.SECONDS);

    Thread on = asked().get(0).on();
    assertThat(on.isVirtual()).isTrue();
    assertThat(on.getName()).isEqualTo("test-async");
    assertThat(asked().get(0).timed()).isFalse();
    lease.close();
  }

  @Test
  void anAsyncAcquireWithdrawnWhileTheStoreWaitsInterruptsItsThread() throws Exception {
    CountDownLatch waiting = new CountDownLatch(1);
    CompletableFuture<Boolean> interrupted = new CompletableFuture<>();
    answer =
        gatePermit -> {
          waiting.countDown();
          try {
            new CountDownLatch(1).await();
            return null;
          } catch (InterruptedException withdrawn) {
            gatePermit.close(); // the store's request cancels its id and holds nothing
            interrupted.complete(true);
            throw withdrawn;
          }
        };
    CompletableFuture<Permit> request = acquires.acquireAsync(1);
    waiting.await();

    request.cancel(false);

    assertThat(interrupted.get(10, TimeUnit.SECONDS)).isTrue();
    Waits.awaitTrue(() -> gate.local().available() == LIMIT);
  }

  @Test
  void aLeaseGrantedAsTheCallerWithdrewIsClosedAtOnce() throws Exception {
    CountDownLatch waiting = new CountDownLatch(1);
    CountDownLatch withdrawn = new CountDownLatch(1);
    answer =
        gatePermit -> {
          waiting.countDown();
          Waits.awaitUninterruptibly(withdrawn); // the store's grant comes anyway
          return lease(gatePermit);
        };
    CompletableFuture<Permit> request = acquires.acquireAsync(1);
    waiting.await();

    request.complete(null);
    withdrawn.countDown();

    Waits.awaitTrue(() -> released().size() == 1);
    Waits.awaitTrue(() -> gate.local().available() == LIMIT);
  }

  @Test
  void theGrantingThreadDoesNotInterruptItselfForItsOwnCompletion() throws Exception {
    Permit all = acquires.acquire(LIMIT); // the request waits at the gate
    CompletableFuture<Permit> request = acquires.acquireAsync(1);
    // a dependent added before the thread past the gate exists runs after that thread's own
    // reaction to the future's completion (a CompletableFuture runs the newest dependent first)
    CompletableFuture<Map.Entry<Thread, Boolean>> dependent =
        request.thenApply(
            lease -> Map.entry(Thread.currentThread(), Thread.currentThread().isInterrupted()));

    all.close();

    Map.Entry<Thread, Boolean> ranOn = dependent.get(10, TimeUnit.SECONDS);
    assertThat(ranOn.getKey()).as("the granting thread").isSameAs(asked().get(1).on());
    assertThat(ranOn.getValue()).as("interrupted").isFalse();
    request.get().close();
    assertThat(released()).hasSize(2);
  }

  @Test
  void theFailingThreadDoesNotInterruptItselfForItsOwnCompletion() throws Exception {
    Permit all = acquires.acquire(LIMIT); // the request waits at the gate
    answer =
        gatePermit -> {
          gatePermit.close();
          throw new IllegalStateException("store unreachable");
        };
    CompletableFuture<Permit> request = acquires.acquireAsync(1);
    CompletableFuture<Boolean> interruptedInDependent =
        request.handle((lease, failure) -> Thread.currentThread().isInterrupted());

    all.close();

    assertThat(interruptedInDependent.get(10, TimeUnit.SECONDS)).isFalse();
    assertThat(request).isCompletedExceptionally();
  }

  @Test
  void anAsyncAcquireFailsWithTheStoresExceptionItself() {
    answer =
        gatePermit -> {
          gatePermit.close();
          throw new IllegalStateException("store unreachable");
        };

    assertThatThrownBy(() -> acquires.acquireAsync(1).get(10, TimeUnit.SECONDS))
        .isInstanceOf(ExecutionException.class)
        .cause()
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("store unreachable");
  }

  @Test
  void anAsyncAcquireOnAClosedGateFailsWithTheClosedExceptionUnwrapped() {
    gate.local().close();

    assertThatThrownBy(() -> acquires.acquireAsync(1).get(10, TimeUnit.SECONDS))
        .isInstanceOf(ExecutionException.class)
        .cause()
        .isInstanceOf(SemaphoreClosedException.class);
    assertThat(asked()).isEmpty();
  }

  @Test
  void anAsyncAcquireWithdrawnAtTheGateLeavesNoRequestThere() throws Exception {
    Permit all = acquires.acquire(LIMIT);
    CompletableFuture<Permit> request = acquires.acquireAsync(1);
    Waits.awaitTrue(() -> gate.local().waiting() == 1);

    request.cancel(false);

    Waits.awaitTrue(() -> gate.local().waiting() == 0);
    all.close();
    assertThat(gate.local().available()).isEqualTo(LIMIT);
    assertThat(asked()).hasSize(1); // the first acquire only
  }
}
