package io.permits.stress;

import static org.assertj.core.api.Assertions.assertThat;

import io.permits.Fairness;
import io.permits.Permit;
import io.permits.Semaphore;
import io.permits.stress.ForwardingSemaphore.PhantomPermit;
import io.permits.stress.Generation.Holding;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The checker's bound rule on hand-made histories, single-threaded: it accepts what DESIGN rule
 * 2 allows after a shrink, and flags a grant past every limit in force.
 */
@Timeout(10)
class GenerationTest {

  private final StressRun run =
      new StressRun(
          StressConfig.defaults().withOps(0).withLimit(2).withSeed(7),
          Fairness.STRICT,
          StressedSemaphoreFactory.local());

  private Generation generation(int limit) {
    return new Generation(run, 0, Semaphore.of(limit), 8);
  }

  @Test
  void holdersFromBeforeAShrinkMayExceedTheNewLimitEvenAfterAGrow() {
    Generation generation = generation(2);
    long first = generation.epoch();
    Permit a = generation.semaphore.tryAcquire(1).orElseThrow();
    generation.register(a, 1, first, false, Outcome.GRANTED_TRY);

    long second = generation.epoch();
    generation.resize(4);
    Permit b = generation.semaphore.tryAcquire(3).orElseThrow();
    generation.resize(2);
    generation.register(b, 3, second, false, Outcome.GRANTED_TRY); // 4 held, limit 2: allowed

    assertThat(run.violationsSoFar()).isEmpty();
  }

  @Test
  void aGrantPastTheLimitIsABoundViolation() {
    Generation generation = generation(2);
    long start = generation.epoch();
    generation.register(
        generation.semaphore.tryAcquire(2).orElseThrow(), 2, start, false, Outcome.GRANTED_TRY);
    generation.register(new PhantomPermit(1), 1, generation.epoch(), false, Outcome.GRANTED_TRY);

    assertThat(run.violationsSoFar()).extracting(Violation::kind).containsExactly("bound");
  }

  @Test
  void anOverGrantAfterAShrinkIsCaughtOnceTheOldHoldersAreGone() {
    Generation generation = generation(4);
    Holding old =
        generation.register(
            generation.semaphore.tryAcquire(4).orElseThrow(),
            4,
            generation.epoch(),
            false,
            Outcome.GRANTED_TRY);
    generation.resize(2);
    generation.release(old, false);
    long start = generation.epoch();
    generation.register(new PhantomPermit(3), 3, start, false, Outcome.GRANTED_TRY);

    assertThat(run.violationsSoFar()).extracting(Violation::kind).containsExactly("bound");
  }

  @Test
  void tooLargeIsExpectedOnlyIfALimitDuringTheRequestWasSmaller() {
    Generation generation = generation(4);
    long start = generation.epoch();
    generation.resize(2);
    generation.tooLargeFailure(3, start, new IllegalArgumentException("3 > 2"), "acquire(3)");
    assertThat(run.violationsSoFar()).isEmpty();

    long later = generation.epoch();
    generation.resize(4);
    long now = generation.epoch();
    generation.tooLargeFailure(3, now, new IllegalArgumentException("3 > 4?"), "acquire(3)");
    assertThat(run.violationsSoFar()).extracting(Violation::kind).containsExactly("too large");
    assertThat(later).isLessThan(now);
  }

  @Test
  void aPermitGrantedAfterCloseReturnedIsAViolation() throws Exception {
    Generation generation = generation(2);
    Permit before = generation.semaphore.tryAcquire(1, Duration.ZERO).orElseThrow();
    generation.close(true);
    generation.register(before, 1, generation.epoch(), true, Outcome.GRANTED_TIMED);

    assertThat(run.violationsSoFar()).extracting(Violation::kind).containsExactly("closed");
  }
}
