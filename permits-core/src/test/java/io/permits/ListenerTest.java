package io.permits;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The listener SPI: every callback, in order, with its arguments; a throwing listener. */
@Timeout(30)
class ListenerTest {

  /** Records each call as a line; durations as "0" or "+" (positive). */
  static final class Recorder implements SemaphoreListener {
    final List<String> calls = new CopyOnWriteArrayList<>();
    final List<Semaphore> attached = new CopyOnWriteArrayList<>();

    @Override
    public void attached(Semaphore semaphore) {
      attached.add(semaphore);
    }

    @Override
    public void acquired(String semaphore, int permits, long waitedNanos) {
      calls.add("acquired " + semaphore + " " + permits + " waited " + sign(waitedNanos));
    }

    @Override
    public void released(String semaphore, int permits, long heldNanos) {
      calls.add("released " + semaphore + " " + permits + " held " + sign(heldNanos));
    }

    @Override
    public void rejected(String semaphore, int permits) {
      calls.add("rejected " + semaphore + " " + permits);
    }

    @Override
    public void timedOut(String semaphore, int permits, long waitedNanos) {
      calls.add("timedOut " + semaphore + " " + permits + " waited " + sign(waitedNanos));
    }

    @Override
    public void cancelled(String semaphore, int permits, long waitedNanos) {
      calls.add("cancelled " + semaphore + " " + permits + " waited " + sign(waitedNanos));
    }

    @Override
    public void leaked(String semaphore, int permits, long heldNanos) {
      calls.add("leaked " + semaphore + " " + permits + " held " + sign(heldNanos));
    }

    /** "0", "+" for a plausible positive duration, "!" for a negative or absurd one. */
    private static String sign(long nanos) {
      return nanos == 0 ? "0" : nanos > 0 && nanos < 60_000_000_000L ? "+" : "!";
    }
  }

  @Test
  void aScriptedScenarioCallsEachMethodInOrder() throws Exception {
    Recorder recorder = new Recorder();
    Recorder second = new Recorder();
    LocalSemaphore semaphore =
        LocalSemaphore.builder()
            .name("db")
            .limit(2)
            .fairness(Fairness.STRICT)
            .listener(recorder)
            .listener(second)
            .build();
    assertThat(recorder.attached).containsExactly(semaphore);
    assertThat(second.attached).containsExactly(semaphore);

    Permit two = semaphore.acquire(2);
    assertThat(two.permits()).isEqualTo(2);
    assertThat(two.isHeld()).isTrue();
    assertThat(two).hasToString("Permit[2, held]");
    assertThat(semaphore.tryAcquire()).isEmpty();
    assertThat(semaphore.tryAcquire(Duration.ofMillis(1))).isEmpty();
    CompletableFuture<Permit> cancelled = semaphore.acquireAsync();
    assertThat(cancelled.cancel(false)).isTrue();
    CompletableFuture<Permit> waiter = semaphore.acquireAsync();
    two.close();
    Permit one = waiter.join();
    one.close();
    one.close(); // a second close reports nothing
    assertThat(one.isHeld()).isFalse();
    assertThat(one).hasToString("Permit[1, released]");

    assertThat(recorder.calls)
        .containsExactly(
            "acquired db 2 waited 0",
            "rejected db 1",
            "timedOut db 1 waited +",
            "cancelled db 1 waited +",
            "released db 2 held +",
            "acquired db 1 waited +",
            "released db 1 held +");
    assertThat(second.calls).as("every listener hears every event").isEqualTo(recorder.calls);
  }

  /** Which callback a listener throws from, and how a scenario reaches it. */
  enum Callback {
    ATTACHED,
    ACQUIRED,
    RELEASED,
    REJECTED,
    TIMED_OUT,
    CANCELLED,
    LEAKED
  }

  @Test
  void whenSeveralListenersThrowEachIsCalledAndTheFirstFailureCarriesTheOthers() {
    List<LogRecord> logged = new CopyOnWriteArrayList<>();
    Handler handler = capture(logged, new CountDownLatch(1));
    Logger logger = Logger.getLogger("io.permits");
    logger.addHandler(handler);
    try {
      RuntimeException firstBug = new IllegalStateException("first");
      RuntimeException secondBug = new IllegalStateException("second");
      Recorder between = new Recorder();
      LocalSemaphore semaphore =
          LocalSemaphore.builder()
              .name("two-bugs")
              .limit(1)
              .listener(rejecting(firstBug))
              .listener(between)
              .listener(rejecting(secondBug))
              .build();
      Permit held = semaphore.acquire();

      assertThat(semaphore.tryAcquire()).isEmpty();

      assertThat(between.calls).contains("rejected two-bugs 1");
      assertThat(logged)
          .filteredOn(record -> record.getThrown() == firstBug)
          .singleElement()
          .satisfies(record -> assertThat(record.getThrown().getSuppressed()).containsExactly(secondBug));
      held.close();
    } catch (InterruptedException e) {
      throw new AssertionError(e);
    } finally {
      logger.removeHandler(handler);
    }
  }

  private static SemaphoreListener rejecting(RuntimeException bug) {
    return new SemaphoreListener() {
      @Override
      public void rejected(String semaphore, int permits) {
        throw bug;
      }
    };
  }

  @org.junit.jupiter.params.ParameterizedTest
  @org.junit.jupiter.params.provider.EnumSource(Callback.class)
  void aListenerThatThrowsFromAnyCallbackIsLoggedAndTheOperationGoesOn(Callback which)
      throws Exception {
    List<LogRecord> logged = new CopyOnWriteArrayList<>();
    CountDownLatch reported = new CountDownLatch(1);
    Handler handler = capture(logged, reported);
    Logger logger = Logger.getLogger("io.permits");
    logger.addHandler(handler);
    try {
      RuntimeException bug = new IllegalStateException("bug in " + which);
      SemaphoreListener thrower =
          new SemaphoreListener() {
            @Override
            public void attached(Semaphore semaphore) {
              throwIf(Callback.ATTACHED);
            }

            @Override
            public void acquired(String semaphore, int permits, long waitedNanos) {
              throwIf(Callback.ACQUIRED);
            }

            @Override
            public void released(String semaphore, int permits, long heldNanos) {
              throwIf(Callback.RELEASED);
            }

            @Override
            public void rejected(String semaphore, int permits) {
              throwIf(Callback.REJECTED);
            }

            @Override
            public void timedOut(String semaphore, int permits, long waitedNanos) {
              throwIf(Callback.TIMED_OUT);
            }

            @Override
            public void cancelled(String semaphore, int permits, long waitedNanos) {
              throwIf(Callback.CANCELLED);
            }

            @Override
            public void leaked(String semaphore, int permits, long heldNanos) {
              throwIf(Callback.LEAKED);
            }

            private void throwIf(Callback callback) {
              if (callback == which) {
                throw bug;
              }
            }
          };
      LocalSemaphore semaphore =
          LocalSemaphore.builder()
              .name("sturdy-" + which)
              .limit(1)
              .leakDetection(Duration.ofMillis(which == Callback.LEAKED ? 1 : 60_000))
              .listener(thrower)
              .build();

      Permit held = semaphore.acquire();
      assertThat(semaphore.tryAcquire()).isEmpty();
      assertThat(semaphore.tryAcquire(Duration.ofMillis(1))).isEmpty();
      semaphore.acquireAsync().cancel(false);
      if (which == Callback.LEAKED) {
        assertThat(reported.await(30, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
      }
      held.close();

      assertThat(semaphore.available()).isEqualTo(1);
      assertThat(logged)
          .filteredOn(record -> record.getThrown() == bug)
          .singleElement()
          .satisfies(record -> assertThat(record.getMessage()).contains("'sturdy-" + which + "'"));
    } finally {
      logger.removeHandler(handler);
    }
  }

  private static Handler capture(List<LogRecord> logged, CountDownLatch first) {
    return new Handler() {
      @Override
      public void publish(LogRecord record) {
        logged.add(record);
        first.countDown();
      }

      @Override
      public void flush() {}

      @Override
      public void close() {}
    };
  }

  @Test
  void aListenerThatThrowsDoesNotBreakTheSemaphoreAndIsLoggedOnce() throws Exception {
    List<LogRecord> logged = new CopyOnWriteArrayList<>();
    Handler handler = capture(logged, new CountDownLatch(1));
    Logger logger = Logger.getLogger("io.permits");
    logger.addHandler(handler);
    try {
      Recorder after = new Recorder();
      SemaphoreListener thrower =
          new SemaphoreListener() {
            @Override
            public void acquired(String semaphore, int permits, long waitedNanos) {
              throw new IllegalStateException("listener bug");
            }

            @Override
            public void released(String semaphore, int permits, long heldNanos) {
              throw new IllegalStateException("listener bug");
            }
          };
      LocalSemaphore semaphore =
          LocalSemaphore.builder().name("sturdy").limit(1).listener(thrower).listener(after).build();

      for (int i = 0; i < 3; i++) {
        try (Permit permit = semaphore.acquire()) {
          assertThat(permit.isHeld()).isTrue();
        }
      }

      assertThat(semaphore.available()).isEqualTo(1);
      assertThat(semaphore.stats().grants()).isEqualTo(3);
      assertThat(after.calls).as("a later listener still hears every event").hasSize(6);
      assertThat(logged)
          .singleElement()
          .satisfies(
              record -> {
                assertThat(record.getMessage()).contains("'sturdy'").contains("logged once");
                assertThat(record.getThrown()).hasMessage("listener bug");
              });
    } finally {
      logger.removeHandler(handler);
    }
  }
}
