package io.permits;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Leak detection: a permit held past the threshold, and one that became unreachable. */
@Timeout(60)
class LeakDetectionTest {
  private final List<LogRecord> logged = new CopyOnWriteArrayList<>();
  private final CountDownLatch firstReport = new CountDownLatch(1);
  private final CountDownLatch secondReport = new CountDownLatch(2);
  private final Logger logger = Logger.getLogger("io.permits");
  private final Handler handler =
      new Handler() {
        @Override
        public void publish(LogRecord record) {
          logged.add(record);
          firstReport.countDown();
          secondReport.countDown();
        }

        @Override
        public void flush() {}

        @Override
        public void close() {}
      };

  @BeforeEach
  void listen() {
    logger.addHandler(handler);
  }

  @AfterEach
  void stopListening() {
    logger.removeHandler(handler);
  }

  @Test
  void withoutLeakDetectionAnObservedPermitIsNeverCheckedForALeak() throws Exception {
    List<String> leaked = new CopyOnWriteArrayList<>();
    LocalSemaphore semaphore =
        LocalSemaphore.builder()
            .name("quiet")
            .limit(1)
            .listener(
                new SemaphoreListener() {
                  @Override
                  public void leaked(String name, int permits, long heldNanos) {
                    leaked.add(name);
                  }
                })
            .build();
    try (Permit permit = semaphore.acquire()) {
      // a leak check for this grant would have been due at once: the detector's one thread has
      // run it by the time it runs this later task
      LeakDetector.SCHEDULER.schedule(() -> {}, 0, TimeUnit.NANOSECONDS).get(10, TimeUnit.SECONDS);
      assertThat(leaked).isEmpty();
      assertThat(logged).isEmpty();
    }
  }

  @Test
  void aPermitHeldPastTheThresholdIsReportedOnceWithItsThreadAndAcquireSite() throws Exception {
    ListenerTest.Recorder recorder = new ListenerTest.Recorder();
    LocalSemaphore semaphore =
        LocalSemaphore.builder()
            .name("slow-pool")
            .limit(2)
            .leakDetection(Duration.ofMillis(50))
            .listener(recorder)
            .build();
    Permit[] held = new Permit[1];
    Thread worker =
        Thread.ofPlatform()
            .name("leaky-worker")
            .start(
                () -> {
                  try {
                    held[0] = semaphore.acquire();
                  } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                  }
                });
    worker.join();

    assertThat(firstReport.await(30, TimeUnit.SECONDS)).as("a report").isTrue();
    LogRecord report = logged.get(0);
    assertThat(report.getLevel()).isEqualTo(java.util.logging.Level.WARNING);
    assertThat(report.getMessage())
        .startsWith("Permit leak? 1 permit of semaphore 'slow-pool', taken by thread 'leaky-worker'")
        .contains("longer than the leak detection threshold of 50.0 ms");
    assertThat(report.getThrown().getStackTrace()[0].getMethodName())
        .as("the acquire site starts at the caller, not inside the semaphore")
        .contains("lambda$aPermitHeldPast");
    assertThat(semaphore.stats().leaks()).isEqualTo(1);
    assertThat(recorder.calls).contains("leaked slow-pool 1 held +");

    held[0].close();
    assertThat(semaphore.available()).isEqualTo(2);
    assertThat(semaphore.stats().leaks()).isEqualTo(1);
    assertThat(logged).hasSize(1);
  }

  @Test
  void aPermitThatBecomesUnreachableWhileHeldIsReportedAndItsPermitsReturned() throws Exception {
    LocalSemaphore semaphore =
        LocalSemaphore.builder().name("forgetful").limit(3).leakDetection(Duration.ofHours(1)).build();
    acquireAndDrop(semaphore, 2);
    assertThat(semaphore.available()).isEqualTo(1);

    awaitReportWhileCollectingGarbage();

    assertThat(logged.get(0).getMessage())
        .startsWith("Permit leak: 2 permits of semaphore 'forgetful'")
        .contains("became unreachable while held")
        .contains("are returned to the semaphore");
    assertThat(semaphore.stats().leaks()).isEqualTo(1);
    assertThat(semaphore.available()).isEqualTo(3);
    assertThat(semaphore.holders()).isEmpty();
  }

  @Test
  void withReturnLeakedPermitsFalseTheLeakIsReportedAndThePermitsStayTaken() throws Exception {
    LocalSemaphore semaphore =
        LocalSemaphore.builder()
            .name("strict-books")
            .limit(3)
            .leakDetection(Duration.ofHours(1))
            .returnLeakedPermits(false)
            .build();
    acquireAndDrop(semaphore, 1);

    awaitReportWhileCollectingGarbage();

    assertThat(logged.get(0).getMessage()).contains("stay taken");
    assertThat(semaphore.stats().leaks()).isEqualTo(1);
    assertThat(semaphore.available()).isEqualTo(2);
  }

  @Test
  void closedPermitsAreNeverReported() throws Exception {
    LocalSemaphore semaphore =
        LocalSemaphore.builder().limit(1).leakDetection(Duration.ofHours(1)).build();
    for (int i = 0; i < 1_000; i++) {
      semaphore.acquire().close();
    }
    System.gc();
    // The cleaner of a closed permit was run by close() itself; nothing is left to report.
    assertThat(semaphore.stats().leaks()).isZero();
    assertThat(logged).isEmpty();
    assertThat(semaphore.available()).isEqualTo(1);
  }

  @Test
  void everyListenerHearsOfALeakAndOfItsPermitsReturnedWithTheirHoldTime() throws Exception {
    ListenerTest.Recorder first = new ListenerTest.Recorder();
    ListenerTest.Recorder second = new ListenerTest.Recorder();
    LocalSemaphore semaphore =
        LocalSemaphore.builder()
            .name("fanout")
            .limit(3)
            .leakDetection(Duration.ofHours(1))
            .listener(first)
            .listener(second)
            .build();
    acquireAndDrop(semaphore, 2);

    awaitReportWhileCollectingGarbage();

    for (ListenerTest.Recorder recorder : List.of(first, second)) {
      assertThat(recorder.calls)
          .containsExactly(
              "acquired fanout 2 waited 0", "released fanout 2 held +", "leaked fanout 2 held +");
    }
  }

  @Test
  void aPermitReportedPastTheThresholdAndThenUnreachableIsOneLeak() throws Exception {
    ListenerTest.Recorder recorder = new ListenerTest.Recorder();
    LocalSemaphore semaphore =
        LocalSemaphore.builder()
            .name("twice")
            .limit(1)
            .leakDetection(Duration.ofMillis(20))
            .listener(recorder)
            .build();
    AtomicReference<Permit> held = new AtomicReference<>(semaphore.acquire());
    assertThat(firstReport.await(30, TimeUnit.SECONDS)).as("the threshold's report").isTrue();

    held.set(null); // now unreachable: reported (logged) again, counted once
    while (!secondReport.await(50, TimeUnit.MILLISECONDS)) {
      System.gc();
    }

    assertThat(logged.get(1).getMessage()).contains("became unreachable while held");
    assertThat(semaphore.stats().leaks()).isEqualTo(1);
    assertThat(recorder.calls).filteredOn(call -> call.startsWith("leaked")).hasSize(1);
  }

  @Test
  void aTrackedHolderWhosePermitBecameUnreachableIsNoLongerListed() throws Exception {
    LocalSemaphore semaphore =
        LocalSemaphore.builder()
            .name("books")
            .limit(2)
            .trackHolders(true)
            .leakDetection(Duration.ofHours(1))
            .returnLeakedPermits(false)
            .build();
    acquireAndDrop(semaphore, 1);
    assertThat(semaphore.holders()).hasSize(1);

    awaitReportWhileCollectingGarbage();

    assertThat(semaphore.holders()).as("the holder is gone, its permit stays taken").isEmpty();
    assertThat(semaphore.available()).isEqualTo(1);
  }

  private static void acquireAndDrop(LocalSemaphore semaphore, int permits) throws Exception {
    Permit permit = semaphore.acquire(permits);
    assertThat(permit.isHeld()).isTrue(); // and then forgotten: never closed
  }

  /** Collects garbage until the cleaner has run (bounded by the test's timeout). */
  private void awaitReportWhileCollectingGarbage() throws InterruptedException {
    while (!firstReport.await(50, TimeUnit.MILLISECONDS)) {
      System.gc();
    }
  }
}
