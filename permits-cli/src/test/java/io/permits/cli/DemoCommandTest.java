package io.permits.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Runs {@code permits demo} in process and replays its output: +1 holder on each "using" or
 * "running" line, -1 on each "releasing" or "completed" line. The programs print "using" after
 * acquiring and "releasing" before closing the permit, so the count in the printed order must
 * never pass the limit.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class DemoCommandTest {

  private static final Pattern USING = Pattern.compile("(Thread-\\d+) is using the resource");
  private static final Pattern RELEASING =
      Pattern.compile("(Thread-\\d+) is releasing the resource");
  private static final Pattern GAVE_UP =
      Pattern.compile("(Thread-\\d+) could not acquire the resource");
  private static final Pattern RUNNING = Pattern.compile("Task (\\d+) is running on Thread-\\d+");
  private static final Pattern COMPLETED = Pattern.compile("Task (\\d+) is completed");

  @Test
  void basic_lets_every_thread_use_the_resource_two_at_a_time() {
    CommandRun run = CommandRun.of("demo", "basic", "--hold", "50ms");

    assertThat(run.exitCode()).isZero();
    assertThat(run.err()).isEmpty();
    List<String> lines = run.outLines();
    assertThat(lines).hasSize(11).last().isEqualTo("All tasks completed");
    assertThat(names(lines, USING)).containsExactlyInAnyOrderElementsOf(threads(5));
    assertThat(names(lines, RELEASING)).containsExactlyInAnyOrderElementsOf(threads(5));
    assertThat(maxHolders(lines, USING, RELEASING)).isBetween(1, 2);
  }

  @Test
  void timeout_leaves_three_threads_without_the_resource_while_two_hold_it_for_3s() {
    CommandRun run = CommandRun.of("demo", "timeout", "--hold", "3s");

    assertThat(run.exitCode()).isZero();
    List<String> lines = run.outLines();
    assertThat(lines).hasSize(8).last().isEqualTo("All tasks completed");
    List<String> using = names(lines, USING);
    List<String> gaveUp = names(lines, GAVE_UP);
    assertThat(using).hasSize(2);
    assertThat(gaveUp).hasSize(3);
    assertThat(names(lines, RELEASING)).containsExactlyInAnyOrderElementsOf(using);
    Set<String> everyThread = new HashSet<>(using);
    everyThread.addAll(gaveUp);
    assertThat(everyThread).containsExactlyInAnyOrderElementsOf(threads(5));
    assertThat(maxHolders(lines, USING, RELEASING)).isEqualTo(2);
  }

  @Test
  void pool_runs_every_task_three_at_a_time_each_on_its_own_named_thread() {
    CommandRun run = CommandRun.of("demo", "pool", "--hold", "50ms");

    assertThat(run.exitCode()).isZero();
    assertThat(run.err()).isEmpty();
    List<String> lines = run.outLines();
    assertThat(lines).hasSize(21).last().isEqualTo("All tasks completed");
    List<String> tasks = IntStream.rangeClosed(1, 10).mapToObj(String::valueOf).toList();
    assertThat(names(lines, RUNNING)).containsExactlyInAnyOrderElementsOf(tasks);
    assertThat(names(lines, COMPLETED)).containsExactlyInAnyOrderElementsOf(tasks);
    assertThat(lines)
        .filteredOn(line -> RUNNING.matcher(line).matches())
        .allMatch(line -> line.endsWith(" on Thread-" + line.split(" ")[1]), "task N on Thread-N");
    assertThat(maxHolders(lines, RUNNING, COMPLETED)).isBetween(1, 3);
  }

  @Test
  void without_a_program_runs_all_three_in_order_with_headers() {
    CommandRun run = CommandRun.of("demo", "--hold", "20ms");

    assertThat(run.exitCode()).isZero();
    List<String> lines = run.outLines();
    List<String> headers = lines.stream().filter(line -> line.startsWith("== ")).toList();
    assertThat(headers).hasSize(3);
    assertThat(headers.get(0)).startsWith("== basic:").contains("20ms");
    assertThat(headers.get(1)).startsWith("== timeout:");
    assertThat(headers.get(2)).startsWith("== pool:");
    assertThat(lines).filteredOn("All tasks completed"::equals).hasSize(3);
    assertThat(lines).last().isEqualTo("All tasks completed");
    assertThat(lines.indexOf(headers.get(1))).isLessThan(lines.indexOf(headers.get(2)));
    assertThat(names(lines, RUNNING)).hasSize(10);
  }

  @Test
  void an_unknown_program_is_a_usage_error_that_names_it() {
    CommandRun run = CommandRun.of("demo", "ponies");

    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.err()).contains("'ponies'").contains("basic, timeout, pool");
    assertThat(run.out()).isEmpty();
  }

  @Test
  void a_duration_in_parsecs_is_a_usage_error_that_names_it() {
    CommandRun run = CommandRun.of("demo", "basic", "--hold", "2 parsecs");

    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.err()).contains("--hold").contains("'2 parsecs'").contains("Usage:");
    assertThat(run.out()).isEmpty();
  }

  @Test
  void a_negative_duration_is_a_usage_error_that_names_it() {
    CommandRun run = CommandRun.of("demo", "--hold", "-1s");

    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.err()).contains("'-1s'").contains("negative");
    assertThat(run.out()).isEmpty();
  }

  @Test
  void a_duration_without_a_unit_is_a_usage_error_that_names_it() {
    CommandRun run = CommandRun.of("demo", "--hold=2");

    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.err()).contains("'2'");
  }

  /** The first group of every line matching {@code pattern}, in order. */
  private static List<String> names(List<String> lines, Pattern pattern) {
    List<String> names = new ArrayList<>();
    for (String line : lines) {
      Matcher matcher = pattern.matcher(line);
      if (matcher.matches()) {
        names.add(matcher.group(1));
      }
    }
    return names;
  }

  /**
   * Replays the lines in order and returns the most holders seen at once; also checks that each
   * holder enters before it leaves and leaves once.
   */
  private static int maxHolders(List<String> lines, Pattern enter, Pattern leave) {
    Set<String> holding = new HashSet<>();
    int max = 0;
    for (String line : lines) {
      Matcher in = enter.matcher(line);
      Matcher out = leave.matcher(line);
      if (in.matches()) {
        assertThat(holding.add(in.group(1))).as("%s enters twice", in.group(1)).isTrue();
        max = Math.max(max, holding.size());
      } else if (out.matches()) {
        assertThat(holding.remove(out.group(1))).as("%s leaves unheld", out.group(1)).isTrue();
      }
    }
    assertThat(holding).as("still holding at the end").isEmpty();
    return max;
  }

  private static List<String> threads(int count) {
    return IntStream.rangeClosed(1, count).mapToObj(i -> "Thread-" + i).toList();
  }
}
