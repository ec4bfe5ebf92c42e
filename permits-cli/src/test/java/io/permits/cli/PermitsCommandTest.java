package io.permits.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class PermitsCommandTest {

  @Test
  void help_lists_the_subcommands_and_exits_0() {
    CommandRun run = CommandRun.of("--help");

    assertThat(run.exitCode()).isZero();
    assertThat(run.out()).contains("Usage: permits").contains("demo").contains("--version");
    assertThat(run.err()).isEmpty();
  }

  @Test
  void version_prints_the_version_of_the_build_and_exits_0() {
    CommandRun run = CommandRun.of("--version");

    assertThat(run.exitCode()).isZero();
    assertThat(run.outLines())
        .containsExactly("permits " + System.getProperty("permits.expectedVersion"));
    assertThat(System.getProperty("permits.expectedVersion")).isNotBlank();
  }

  @Test
  void demo_help_describes_the_programs_and_the_hold_option() {
    CommandRun run = CommandRun.of("demo", "--help");

    assertThat(run.exitCode()).isZero();
    assertThat(run.out())
        .contains("Usage: permits demo")
        .contains("basic, timeout, pool")
        .contains("--hold=DURATION")
        .contains("default: 2s");
  }

  @Test
  void help_subcommand_shows_the_demo_usage() {
    CommandRun run = CommandRun.of("help", "demo");

    assertThat(run.exitCode()).isZero();
    assertThat(run.out()).contains("Usage: permits demo");
  }

  @Test
  void an_unknown_subcommand_is_a_usage_error_that_names_it() {
    CommandRun run = CommandRun.of("frobnicate");

    assertThat(run.exitCode()).isEqualTo(2);
    // picocli prints the usage, or a suggestion when a subcommand name is close
    assertThat(run.err()).contains("Unmatched argument at index 0: 'frobnicate'");
    assertThat(run.out()).isEmpty();
  }

  @Test
  void no_subcommand_is_a_usage_error() {
    CommandRun run = CommandRun.of();

    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.err()).contains("Missing required subcommand").contains("Usage: permits");
  }

  @Test
  void an_unknown_option_is_a_usage_error_that_names_it() {
    CommandRun run = CommandRun.of("demo", "--frob");

    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.err()).contains("--frob").contains("Usage: permits demo");
  }
}
