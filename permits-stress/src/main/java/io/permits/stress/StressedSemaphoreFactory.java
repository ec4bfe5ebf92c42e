package io.permits.stress;

import io.permits.Fairness;
import io.permits.LocalSemaphore;
import io.permits.Semaphore;
import java.time.Duration;

/**
 * Makes the semaphores a stress run hammers, one per generation of the run ({@link StressRun}):
 * {@link #local()} for {@link LocalSemaphore}; other backends' tests pass their own, and the
 * stress tests pass deliberately broken ones to prove the checker catches what it claims to.
 */
@FunctionalInterface
public interface StressedSemaphoreFactory {

  /**
   * Makes a new, open semaphore with all its permits available.
   *
   * @param name a name unique within the run, for error messages
   * @param fairness the mode under test
   * @param limit the starting limit
   * @param handoffAfter for {@link Fairness#BOUNDED}, how long the oldest waiter may wait
   * @return the semaphore
   */
  Semaphore create(String name, Fairness fairness, int limit, Duration handoffAfter);

  /**
   * The factory of {@link LocalSemaphore}s.
   *
   * @return a factory that calls {@link LocalSemaphore#builder()}
   */
  static StressedSemaphoreFactory local() {
    return (name, fairness, limit, handoffAfter) ->
        LocalSemaphore.builder()
            .name(name)
            .fairness(fairness)
            .limit(limit)
            .handoffAfter(handoffAfter)
            .build();
  }
}
