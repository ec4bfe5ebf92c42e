package io.permits.stress;

import io.permits.Fairness;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What one {@link StressRun} of one fairness mode did and found.
 *
 * @param fairness the mode
 * @param ops the operations completed (all of them unless the run stalled)
 * @param elapsed from the workers' start to the last one's end (checks at the end excluded)
 * @param generations how many semaphores the run went through (1 + replacements)
 * @param counts how often each {@link Outcome} happened
 * @param violations the violations seen, the first 1000 of them
 * @param violationCount how many violations were seen in all
 */
public record ModeReport(
    Fairness fairness,
    long ops,
    Duration elapsed,
    int generations,
    Map<Outcome, Long> counts,
    List<Violation> violations,
    long violationCount) {

  /** Copies the collections. */
  public ModeReport {
    counts = Map.copyOf(counts);
    violations = List.copyOf(violations);
  }

  /**
   * Whether no rule was broken.
   *
   * @return true if there was no violation
   */
  public boolean passed() {
    return violationCount == 0;
  }

  /**
   * Operations per second of wall-clock time.
   *
   * @return ops divided by elapsed seconds
   */
  public double opsPerSecond() {
    double seconds = elapsed.toNanos() / 1e9;
    return seconds > 0 ? ops / seconds : 0;
  }

  /**
   * How often an outcome happened.
   *
   * @param outcome the outcome
   * @return its count, 0 if it never happened
   */
  public long count(Outcome outcome) {
    return counts.getOrDefault(outcome, 0L);
  }

  /**
   * The summary printed by {@code bin/stress}: a headline, then the outcomes that happened.
   *
   * @return two lines, without the violations
   */
  public String summary() {
    String headline =
        String.format(
            Locale.ROOT,
            "%-8s %,d ops in %.2f s = %,.0f ops/s; %,d generations; %,d violations",
            fairness,
            ops,
            elapsed.toNanos() / 1e9,
            opsPerSecond(),
            generations,
            violationCount);
    List<String> parts = new ArrayList<>();
    for (Outcome outcome : Outcome.values()) {
      long n = count(outcome);
      if (n > 0) {
        parts.add(outcome.label() + " " + String.format(Locale.ROOT, "%,d", n));
      }
    }
    return headline + System.lineSeparator() + wrap(String.join(", ", parts), "         ", 100);
  }

  private static String wrap(String text, String indent, int width) {
    StringBuilder out = new StringBuilder(indent);
    int column = indent.length();
    for (String word : text.split(" ")) {
      if (column + 1 + word.length() > width && column > indent.length()) {
        out.append(System.lineSeparator()).append(indent);
        column = indent.length();
      } else if (column > indent.length()) {
        out.append(' ');
        column++;
      }
      out.append(word);
      column += word.length();
    }
    return out.toString();
  }
}
