package io.permits.lincheck;

import io.permits.Fairness;
import io.permits.LocalSemaphore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.jetbrains.kotlinx.lincheck.execution.ExecutionScenario;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link Fairness#BOUNDED} with a bound of one nanosecond, with the queue: the first
 * distribution after a request is queued (the one the enqueue itself runs) finds the head
 * waiting past the bound and switches to in-order handoff until the queue drains, so the
 * semaphore behaves as {@link Fairness#STRICT} and is checked against {@link
 * SemaphoreModel.Strict}, with every operation of {@link QueueHarness}.
 *
 * <p>Stress only: Lincheck's model checker makes {@code System.nanoTime()} return a constant so
 * that its runs replay exactly, so under it the head never waits past any bound, and BOUNDED
 * stays barging with a queue (see {@link BargingLincheckTest} for why that cannot be checked
 * against a model). The barging end of BOUNDED is model-checked by {@link BoundedLincheckTest}.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
public class BoundedShortHandoffLincheckTest extends QueueHarness {

  public BoundedShortHandoffLincheckTest() {
    super(
        LocalSemaphore.builder()
            .limit(LIMIT)
            .fairness(Fairness.BOUNDED)
            .handoffAfter(Duration.ofNanos(1))
            .build());
  }

  @Test
  void stress() {
    Scenarios scenarios = new Scenarios(getClass());
    List<ExecutionScenario> shapes = new ArrayList<>(scenarios.counterShapes());
    shapes.addAll(scenarios.queueShapes());
    Runs.stress(getClass(), SemaphoreModel.Strict.class, shapes);
  }
}
