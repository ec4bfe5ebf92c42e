package io.permits.stress;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import picocli.CommandLine;

/** The command line of {@code bin/stress}: help, usage errors, and a tiny run. */
@Timeout(60)
class StressCommandTest {

  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  private int execute(String... args) {
    CommandLine command = StressCommand.newCommandLine();
    command.setOut(new PrintWriter(out, true));
    command.setErr(new PrintWriter(err, true));
    return command.execute(args);
  }

  @Test
  void helpNamesEveryOptionAndSaysWhatASeedReplays() {
    assertThat(execute("--help")).isZero();
    assertThat(out.toString())
        .contains("--ops", "--threads", "--seed", "--fairness", "--limit", "--stall-timeout")
        .contains("interleaving")
        .contains("here " + StressConfig.defaultThreads());
  }

  @Test
  void aBadModeOrCountIsAUsageErrorNamingTheValue() {
    assertThat(execute("--fairness", "fifo")).isEqualTo(2);
    assertThat(err.toString()).contains("'fifo'");
    assertThat(execute("--threads", "0")).isEqualTo(2);
    assertThat(err.toString()).contains("threads").contains("0");
  }

  @Test
  void aTinyRunPrintsTheSeedOpsPerSecondAndNoViolation() {
    assertThat(execute("--ops", "3000", "--seed", "11", "--fairness", "bounded", "--threads", "3"))
        .as(out.toString())
        .isZero();
    assertThat(out.toString())
        .contains("seed 11")
        .contains("BOUNDED ")
        .contains("ops/s")
        .contains("0 violations");
  }
}
