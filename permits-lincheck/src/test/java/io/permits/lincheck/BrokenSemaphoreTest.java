package io.permits.lincheck;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;
import org.jetbrains.lincheck.LincheckAssertionError;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The checker is live: the same harness, model and settings that pass for {@link
 * io.permits.LocalSemaphore} fail for a semaphore with one deliberate race ({@link
 * BrokenSemaphore}), and fail on the results or the conservation check, not on a harness error.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class BrokenSemaphoreTest {

  /** tryAcquire checks, then subtracts: two threads both get the last permit. */
  public static class CheckThenAct extends CounterHarness {
    public CheckThenAct() {
      super(new BrokenSemaphore(BrokenSemaphore.Bug.CHECK_THEN_ACT, LIMIT));
    }
  }

  /** A permit closed by two threads at once is released twice. */
  public static class DoubleRelease extends CounterHarness {
    public DoubleRelease() {
      super(new BrokenSemaphore(BrokenSemaphore.Bug.DOUBLE_RELEASE, LIMIT));
    }
  }

  @Test
  void modelCheckingFindsAnAcquireThatChecksThenActs() {
    expectViolation(CheckThenAct.class);
  }

  @Test
  void modelCheckingFindsAPermitReleasedTwice() {
    expectViolation(DoubleRelease.class);
  }

  private static void expectViolation(Class<? extends CounterHarness> test) {
    LincheckAssertionError failure =
        assertThrows(
            LincheckAssertionError.class,
            () ->
                Runs.modelCheck(
                    test, SemaphoreModel.Barging.class, new Scenarios(test).counterShapes()));
    String report = failure.getMessage();
    assertTrue(
        report.contains("Invalid execution results") || report.contains("Validation function"),
        () -> "expected wrong results or a failed conservation check, got: " + report);
  }
}
