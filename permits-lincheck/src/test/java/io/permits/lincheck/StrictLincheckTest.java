package io.permits.lincheck;

import io.permits.Fairness;
import io.permits.LocalSemaphore;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.jetbrains.kotlinx.lincheck.execution.ExecutionScenario;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link Fairness#STRICT} with the queue: the operations of {@link QueueHarness} in random
 * scenarios, plus the custom shapes of {@link Scenarios} (counter and queue), checked against
 * {@link SemaphoreModel.Strict}. {@code available()} is not an operation here: while a release
 * hands permits to the head it counts them as free ({@link
 * KnownLimitsTest#availableMayCountPermitsBeingHandedToTheHead}); the free count is observed by
 * acquiring, and checked exactly at the end of every scenario.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
public class StrictLincheckTest extends QueueHarness {

  public StrictLincheckTest() {
    super(LocalSemaphore.builder().limit(LIMIT).fairness(Fairness.STRICT).build());
  }

  static List<ExecutionScenario> shapes() {
    Scenarios scenarios = new Scenarios(StrictLincheckTest.class);
    List<ExecutionScenario> all = new ArrayList<>(scenarios.counterShapes());
    all.addAll(scenarios.queueShapes());
    return all;
  }

  @Test
  void modelChecking() {
    Runs.modelCheck(getClass(), SemaphoreModel.Strict.class, shapes());
  }

  @Test
  void stress() {
    Runs.stress(getClass(), SemaphoreModel.Strict.class, shapes());
  }
}
