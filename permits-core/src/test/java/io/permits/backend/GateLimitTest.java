package io.permits.backend;

import static io.permits.Waits.awaitTrue;
import static org.assertj.core.api.Assertions.assertThat;

import io.permits.LocalSemaphore;
import java.lang.reflect.Field;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@link GateLimit}: the gate follows the newest limit reported, whatever the order. */
@Timeout(30)
class GateLimitTest {

  private final LocalSemaphore gate = LocalSemaphore.builder().name("gate").limit(3).build();
  private final GateLimit follower = new GateLimit(gate, 3, 5);

  @Test
  void onlyAVersionAboveTheNewestKnownIsNewer() {
    assertThat(follower.isNewer(6)).isTrue();
    assertThat(follower.isNewer(5)).isFalse();
    assertThat(follower.isNewer(4)).isFalse();
  }

  @Test
  void aNewerReportSetsTheGatesLimit() {
    follower.report(7, 6);

    assertThat(gate.limit()).isEqualTo(7);
    assertThat(follower.isNewer(6)).isFalse();
  }

  @Test
  void aLimitOfOneIsALimitButBelowOneNothingWasRead() {
    follower.report(0, 8);
    assertThat(gate.limit()).isEqualTo(3);
    assertThat(follower.isNewer(8)).as("a report of nothing read is not kept").isTrue();

    follower.report(1, 9);
    assertThat(gate.limit()).isEqualTo(1);
  }

  @Test
  void aReportNoNewerThanTheNewestKnownIsIgnored() {
    follower.report(7, 6);

    follower.report(2, 5); // older, arriving late
    assertThat(gate.limit()).isEqualTo(7);
    follower.report(9, 6); // same version
    assertThat(gate.limit()).isEqualTo(7);
  }

  @Test
  void successiveReportsEachReachTheGate() {
    follower.report(4, 6);
    follower.report(2, 7);
    follower.report(6, 8);

    assertThat(gate.limit()).isEqualTo(6);
    assertThat(gate.available()).isEqualTo(6);
  }

  @Test
  void reportAndSettleReturnsWithTheGateAtTheReportedLimit() {
    follower.reportAndSettle(8, 6);
    assertThat(gate.limit()).isEqualTo(8);

    follower.reportAndSettle(8, 7); // a new version of the same limit
    assertThat(gate.limit()).isEqualTo(8);
    assertThat(follower.isNewer(7)).isFalse();
  }

  @Test
  void aGateSetBehindTheFollowersBackIsPutBackAtTheNextReport() {
    follower.report(4, 6);
    gate.setLimit(9);

    follower.report(4, 6); // the same report again: the gate is not at it
    assertThat(gate.limit()).isEqualTo(4);
  }

  @Test
  void reportAndSettleWaitsOutAnotherThreadsUpdateAndThenAppliesItsOwnReport() throws Exception {
    Field applyingField = GateLimit.class.getDeclaredField("applying");
    applyingField.setAccessible(true);
    java.util.concurrent.locks.ReentrantLock applying =
        (java.util.concurrent.locks.ReentrantLock) applyingField.get(follower);
    java.util.concurrent.CountDownLatch held = new java.util.concurrent.CountDownLatch(1);
    java.util.concurrent.CountDownLatch letGo = new java.util.concurrent.CountDownLatch(1);
    Thread other = // another thread is updating the gate (white-box)
        Thread.ofPlatform()
            .start(
                () -> {
                  applying.lock();
                  try {
                    held.countDown();
                    letGo.await();
                  } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                  } finally {
                    applying.unlock();
                  }
                });
    held.await();

    AtomicReference<Throwable> failure = new AtomicReference<>();
    Thread settler =
        Thread.ofPlatform()
            .daemon()
            .start(
                () -> {
                  try {
                    follower.reportAndSettle(7, 6);
                  } catch (Throwable t) {
                    failure.set(t);
                  }
                });
    // Its first report is known (newest) but could not reach the gate; the settler now waits,
    // parked, for the lock in reportAndSettle, outside report().
    awaitTrue(() -> !follower.isNewer(6) && applying.hasQueuedThread(settler)
        && waitsOutsideReport(settler));
    assertThat(gate.limit()).isEqualTo(3);
    assertThat(settler.isAlive()).as("not settled while the other update is in progress").isTrue();

    letGo.countDown(); // the other thread leaves without applying version 6
    other.join();
    settler.join();

    assertThat(failure.get()).isNull();
    assertThat(gate.limit()).as("the settler applied its report itself").isEqualTo(7);
  }

  /** Whether {@code thread} runs in reportAndSettle and not in a report() it called. */
  private static boolean waitsOutsideReport(Thread thread) {
    boolean inSettle = false;
    for (StackTraceElement frame : thread.getStackTrace()) {
      if (frame.getClassName().equals(GateLimit.class.getName())) {
        if (frame.getMethodName().equals("report")) {
          return false;
        }
        inSettle |= frame.getMethodName().equals("reportAndSettle");
      }
    }
    return inSettle;
  }

  @Test
  void settlersWaitingForAParkedHolderLeaveItACarrier() throws Exception {
    // the holder parks inside the gate's setLimit (a callback of a request failed by the shrink);
    // as many virtual threads as there are carriers then settle newer limits. Spinning, they
    // would keep every carrier and the holder could never run again to let go.
    java.util.concurrent.CountDownLatch inCallback = new java.util.concurrent.CountDownLatch(1);
    java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
    io.permits.Permit all = gate.acquire(3);
    gate.acquireAsync(3)
        .whenComplete(
            (permit, failure) -> {
              inCallback.countDown();
              try {
                release.await();
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            });
    Thread holder = Thread.ofVirtual().start(() -> follower.reportAndSettle(2, 6));
    assertThat(inCallback.await(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();

    int carriers = Integer.getInteger(
        "jdk.virtualThreadScheduler.parallelism", Runtime.getRuntime().availableProcessors());
    java.util.concurrent.CountDownLatch started = new java.util.concurrent.CountDownLatch(carriers);
    List<Thread> settlers = new java.util.ArrayList<>();
    for (int i = 0; i < carriers; i++) {
      int version = 7 + i;
      settlers.add(
          Thread.ofVirtual()
              .start(
                  () -> {
                    started.countDown();
                    follower.reportAndSettle(4, version);
                  }));
    }
    assertThat(started.await(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
    release.countDown();

    assertThat(holder.join(java.time.Duration.ofSeconds(20))).as("the holder ran again").isTrue();
    for (Thread settler : settlers) {
      assertThat(settler.join(java.time.Duration.ofSeconds(20))).isTrue();
    }
    assertThat(gate.limit()).isEqualTo(4);
    all.close();
  }
}
