package io.permits.stress;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.permits.Fairness;
import io.permits.Permit;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The short version of {@code bin/stress}: about 10^5 operations per fairness mode must break no
 * rule; and two deliberately broken semaphores must be caught, so we know the checker is live.
 * The seed is fixed (so the operation mix, though not the interleaving, is the same each time);
 * {@code -Dpermits.stress.seed=S} picks another.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class StressRunTest {

  private static final long SEED = Long.getLong("permits.stress.seed", 20251125L);

  private static final long OPS = 1_000_000;

  private static StressConfig config(long ops) {
    return StressConfig.defaults()
        .withOps(ops)
        .withSeed(SEED)
        .withStallTimeout(Duration.ofSeconds(15));
  }

  @ParameterizedTest
  @EnumSource(Fairness.class)
  void aShortRunOfEachModeBreaksNoRule(Fairness fairness) {
    // A million operations per mode (a few seconds each): a BOUNDED race that lost permits
    // showed about once per million operations, so 100,000 missed it.
    ModeReport report =
        StressRun.runAndCheck(OPS, SEED, fairness, StressedSemaphoreFactory.local());

    assertThat(report.violationCount()).isZero();
    assertThat(report.ops()).isEqualTo(OPS);
    // the mix reached every kind of request and every kind of chaos
    for (Outcome outcome :
        new Outcome[] {
          Outcome.GRANTED_ACQUIRE,
          Outcome.GRANTED_TRY,
          Outcome.GRANTED_TIMED,
          Outcome.GRANTED_ASYNC,
          Outcome.GRANTED_CALLBACK,
          Outcome.CANCELLED,
          Outcome.RESIZE,
          Outcome.REPLACE,
          Outcome.HANDOFF,
          Outcome.DOUBLE_CLOSE,
          Outcome.INTERRUPT_SENT
        }) {
      assertThat(report.count(outcome)).as("%s in %s", outcome, report.summary()).isPositive();
    }
  }

  @Test
  void aSemaphoreThatGrantsPermitsItDoesNotHaveBreaksTheBound() {
    AtomicInteger refusals = new AtomicInteger();
    StressedSemaphoreFactory overGranting =
        (name, fairness, limit, handoffAfter) ->
            new ForwardingSemaphore(
                StressedSemaphoreFactory.local().create(name, fairness, limit, handoffAfter)) {
              @Override
              public Optional<Permit> tryAcquire(int permits) {
                Optional<Permit> granted = delegate.tryAcquire(permits);
                if (granted.isEmpty() && refusals.incrementAndGet() % 8 == 0) {
                  return Optional.of(new PhantomPermit(permits)); // the over-grant
                }
                return granted;
              }
            };

    ModeReport report = StressRun.run(config(20_000), Fairness.BARGING, overGranting);

    assertThat(report.violations()).extracting(Violation::kind).contains("bound");
    assertThat(report.violations().get(0).replay()).contains("--seed " + SEED);
    // what the backends' stress tests call fails on it, naming the violations
    assertThatThrownBy(
            () -> StressRun.runAndCheck(20_000, SEED, Fairness.BARGING, overGranting))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("--seed " + SEED);
  }

  @Test
  void aSemaphoreThatLosesAPermitBreaksConservation() {
    AtomicInteger tries = new AtomicInteger();
    AtomicBoolean leaked = new AtomicBoolean();
    StressedSemaphoreFactory leaking =
        (name, fairness, limit, handoffAfter) ->
            new ForwardingSemaphore(
                StressedSemaphoreFactory.local().create(name, fairness, limit, handoffAfter)) {
              @Override
              public Optional<Permit> tryAcquire(int permits) {
                if (tries.incrementAndGet() >= 1000 && !leaked.get()) {
                  // takes one permit and never gives it back: one permit lost
                  delegate.tryAcquire(1).ifPresent(lost -> leaked.set(true));
                }
                return delegate.tryAcquire(permits);
              }
            };

    // With a permit gone, a request for the whole limit can wait forever: the workers that are
    // never interrupted may stall, which the watchdog reports (after 3 s here) before the
    // conservation check names the cause.
    ModeReport report =
        StressRun.run(
            config(20_000).withStallTimeout(Duration.ofSeconds(3)), Fairness.STRICT, leaking);

    assertThat(leaked).isTrue();
    assertThat(report.violations()).extracting(Violation::kind).contains("conservation");
  }
}
