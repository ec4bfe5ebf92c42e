package io.permits.tck;

import java.time.Duration;
import java.util.List;

/**
 * Runs a scenario whose head request may leave by timing out. Such a scenario must be set up
 * (other requests queued, permits released) while the head still waits; if the head's time ran
 * out first, the attempt reports so and is run again, on a fresh semaphore, with a four times
 * longer timeout. What the test asserts does not depend on timing, only how often it retries.
 */
final class Scenario {

  /** One attempt: sets up and checks the scenario, or returns false if the head left too early. */
  @FunctionalInterface
  interface Attempt {
    boolean run(Duration headTimeout) throws Exception;
  }

  private static final List<Duration> TIMEOUTS =
      List.of(
          Duration.ofMillis(100),
          Duration.ofMillis(400),
          Duration.ofMillis(1600),
          Duration.ofMillis(6400));

  private Scenario() {}

  static void run(WayOut way, Attempt attempt) throws Exception {
    if (!way.expires()) {
      if (!attempt.run(Duration.ofHours(1))) {
        throw new AssertionError("the scenario could not be set up, though the head cannot expire");
      }
      return;
    }
    for (Duration timeout : TIMEOUTS) {
      if (attempt.run(timeout)) {
        return;
      }
    }
    throw new AssertionError(
        "the head request timed out before the scenario was set up, even with a timeout of "
            + TIMEOUTS.get(TIMEOUTS.size() - 1));
  }
}
