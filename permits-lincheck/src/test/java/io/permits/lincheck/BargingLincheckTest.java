package io.permits.lincheck;

import io.permits.Fairness;
import io.permits.LocalSemaphore;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link Fairness#BARGING} without waiting requests: the operations of {@link CounterHarness}
 * against {@link SemaphoreModel.Barging}.
 *
 * <p>Why no queue: with a request queued, a release adds its permits to the free count with one
 * atomic add and only then hands them to the head, and a newcomer may take them in between,
 * which barging allows. No model in which a release is one step can say which of the two gets
 * them, so Lincheck reports a violation ({@link KnownLimitsTest#bargingWithAQueueIsNotOneStep}
 * keeps that scenario). The queue code is shared with STRICT and checked there; barging with
 * waiters is covered by the TCK and the stress run.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
public class BargingLincheckTest extends CounterHarness {

  public BargingLincheckTest() {
    super(LocalSemaphore.builder().limit(LIMIT).fairness(Fairness.BARGING).build());
  }

  @Test
  void modelChecking() {
    Runs.modelCheck(
        getClass(), SemaphoreModel.Barging.class, new Scenarios(getClass()).counterShapes());
  }

  @Test
  void stress() {
    Runs.stress(getClass(), SemaphoreModel.Barging.class, new Scenarios(getClass()).counterShapes());
  }
}
