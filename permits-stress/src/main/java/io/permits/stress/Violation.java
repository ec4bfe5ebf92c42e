package io.permits.stress;

import io.permits.Fairness;

/**
 * One broken rule seen by the stress run, with what is needed to replay the run that saw it.
 *
 * @param fairness the mode of the semaphore that broke it
 * @param seed the run's seed
 * @param kind a short name of the rule: {@code bound}, {@code conservation}, {@code stall}...
 * @param detail what was seen, with the generation, the counts and the request
 * @param replay the {@code bin/stress} command line that replays the run's operation mix
 */
public record Violation(Fairness fairness, long seed, String kind, String detail, String replay) {

  /** One line for the report, then the replay command on the next. */
  @Override
  public String toString() {
    return "VIOLATION ["
        + fairness
        + ", seed "
        + seed
        + "] "
        + kind
        + ": "
        + detail
        + System.lineSeparator()
        + "  replay: "
        + replay;
  }
}
