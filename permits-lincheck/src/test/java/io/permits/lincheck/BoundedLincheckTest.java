package io.permits.lincheck;

import io.permits.Fairness;
import io.permits.LocalSemaphore;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link Fairness#BOUNDED} with a bound of a day, which no test reaches: it barges, like
 * {@link Fairness#BARGING}, and is checked the same way (no waiting requests, see {@link
 * BargingLincheckTest} for why) against {@link SemaphoreModel.Barging}. The other end, a bound
 * so short that the semaphore hands off in order as soon as anyone waits, is {@link
 * BoundedShortHandoffLincheckTest}.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
public class BoundedLincheckTest extends CounterHarness {

  public BoundedLincheckTest() {
    super(
        LocalSemaphore.builder()
            .limit(LIMIT)
            .fairness(Fairness.BOUNDED)
            .handoffAfter(Duration.ofDays(1))
            .build());
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
