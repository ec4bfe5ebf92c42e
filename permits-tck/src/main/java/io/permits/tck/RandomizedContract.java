package io.permits.tck;

import static org.assertj.core.api.Assertions.assertThat;

import io.permits.Semaphore;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Randomized runs: a hundred threads, virtual and platform, mix every kind of request with
 * interrupts, tiny timeouts, cancels, and (in two of the runs) resizes or a close. At no instant
 * may the permits in use exceed the bound (rule 2), and once every thread has finished all
 * permits are back and nobody waits (rule 1). Each run lasts about 1.5 s; its seed is in every
 * failure message and can be replayed with {@code -Dpermits.tck.seed=...}. The tests are tagged
 * {@code randomized}, so that a run that must be short (mutation testing) can leave them out.
 */
public interface RandomizedContract extends BackendUnderTest {

  /**
   * A hundred threads mixing every kind of request and interrupts lose no permit and keep the bound.
   *
   * @throws Exception if the backend throws where the contract says it must not
   */
  @Test
  @Tag("randomized")
  @DisplayName("100 threads mixing every kind of request, interrupts and cancels conserve permits and keep the bound")
  default void aHundredThreadRandomizedRunConservesPermitsAndKeepsTheBound() throws Exception {
    long seed = RandomRun.newSeed();
    int limit = 1 + (int) Math.floorMod(seed, 5L);
    Semaphore semaphore = semaphore(limit);
    RandomRun run = new RandomRun(semaphore, seed, RandomRun.Mode.PLAIN, limit, limit);

    run.run();

    assertRunWasClean(run);
    Await.state(semaphore, limit, 0);
    assertThat(semaphore.stats().held()).as(run.describe()).isZero();
  }

  /**
   * The same run with resizes between 2 and 6: the bound holds and permits are conserved.
   *
   * @throws Exception if the backend throws where the contract says it must not
   */
  @Test
  @Tag("randomized")
  default void aRandomizedRunWithResizesKeepsTheBoundAndConservesPermits() throws Exception {
    long seed = RandomRun.newSeed();
    Semaphore semaphore = semaphore(4);
    RandomRun run = new RandomRun(semaphore, seed, RandomRun.Mode.RESIZE, 2, 6);

    run.run();

    assertRunWasClean(run);
    semaphore.setLimit(3);
    Await.state(semaphore, 3, 0);
    assertThat(semaphore.stats().held()).as(run.describe()).isZero();
  }

  /**
   * The same run, closed half way: every request after the close fails, no thread is left
   * waiting, and every permit comes back.
   *
   * @throws Exception if the backend throws where the contract says it must not
   */
  @Test
  @Tag("randomized")
  default void aRandomizedRunClosedHalfWayLeavesNobodyWaitingAndLosesNothing() throws Exception {
    long seed = RandomRun.newSeed();
    Semaphore semaphore = semaphore(3);
    RandomRun run = new RandomRun(semaphore, seed, RandomRun.Mode.CLOSE, 3, 3);

    run.run();

    assertRunWasClean(run);
    assertThat(semaphore.isClosed()).as(run.describe()).isTrue();
    Await.state(semaphore, 3, 0);
  }

  private static void assertRunWasClean(RandomRun run) {
    assertThat(run.unexpected.get()).as("unexpected failure, %s", run.describe()).isNull();
    assertThat(run.stuck)
        .as("threads still waiting long after the run ended, on %s; %s", run.stuckState, run.describe())
        .isEmpty();
    assertThat(run.violation.get()).as(run.describe()).isNull();
    assertThat(run.maxInside.get()).as(run.describe()).isLessThanOrEqualTo(run.bound);
    assertThat(run.granted.sum()).as("no request was granted: %s", run.describe()).isPositive();
  }
}
