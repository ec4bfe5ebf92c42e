package io.permits.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.permits.Permit;
import io.permits.file.FileSemaphore;
import io.permits.tck.Await;
import io.permits.tck.Forked;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code permits run} in this JVM: exit codes, timeouts, bad input. */
@Timeout(60)
class RunCommandTest {

  @TempDir Path directory;

  private CommandRun run(String... rest) {
    String[] args = new String[rest.length + 2];
    args[0] = "run";
    args[1] = "--backend=file:" + directory;
    System.arraycopy(rest, 0, args, 2, rest.length);
    return CommandRun.of(args);
  }

  @Test
  void theCommandsExitCodeIsPassedThrough() {
    assertThat(run("--name", "e", "--limit", "1", "--", "sh", "-c", "exit 7").exitCode())
        .isEqualTo(7);
    assertThat(run("--name", "e", "--limit", "1", "--", "true").exitCode()).isZero();
  }

  @Test
  void aCommandKilledByASignalGives128PlusItsNumber() {
    assertThat(run("--name", "k", "--limit", "1", "--", "sh", "-c", "kill -9 $$").exitCode())
        .isEqualTo(128 + 9);
  }

  @Test
  void thePermitIsHeldWhileTheCommandRunsAndFreeAfter() throws Exception {
    Path go = directory.resolve("go");
    try (FileSemaphore semaphore = FileSemaphore.open(directory, "h", 1)) {
      Forked<CommandRun> running =
          Forked.start(
              "permits-run",
              () ->
                  run(
                      "--name", "h", "--limit", "1", "--",
                      "sh", "-c", "while [ ! -e \"$0\" ]; do sleep 0.01; done", go.toString()));
      Await.until(
          () -> !semaphore.holders().isEmpty(),
          () -> "the command never held the permit: " + semaphore.holders());
      assertThat(semaphore.available()).isZero();
      assertThat(semaphore.holders().get(0).process().command())
          .hasValueSatisfying(command -> assertThat(command).startsWith("sh -c while"));

      Files.createFile(go);
      assertThat(running.join().exitCode()).isZero();
      assertThat(semaphore.available()).isEqualTo(1);
      assertThat(semaphore.holders()).isEmpty();
    }
  }

  @Test
  @SuppressWarnings("try") // the permits are held, not used
  void aTimeoutExits75AndSaysWhoHoldsThePermit() throws Exception {
    try (FileSemaphore semaphore = FileSemaphore.open(directory, "busy", 1);
        Permit held = semaphore.acquire()) {
      CommandRun timedOut =
          run("--name", "busy", "--limit", "1", "--timeout", "100ms", "--", "true");
      assertThat(timedOut.exitCode()).isEqualTo(75);
      assertThat(timedOut.err())
          .contains("timed out after 100ms waiting for 1 permit of semaphore 'busy' (limit 1")
          .contains("held by pid " + ProcessHandle.current().pid());

      CommandRun chosen =
          run(
              "--name", "busy", "--limit", "1", "--timeout", "50ms", "--timeout-exit-code", "9",
              "--", "true");
      assertThat(chosen.exitCode()).isEqualTo(9);
    }
  }

  @Test
  void aBadNameIsAUsageErrorNamingIt() {
    CommandRun bad = run("--name", "../etc", "--limit", "1", "--", "true");
    assertThat(bad.exitCode()).isEqualTo(2);
    assertThat(bad.err()).contains("bad semaphore name '../etc'");
  }

  @Test
  void aLimitMismatchIsAnErrorNamingBothUnlessAskedToChange() {
    assertThat(run("--name", "m", "--limit", "2", "--", "true").exitCode()).isZero();

    CommandRun mismatch = run("--name", "m", "--limit", "3", "--", "true");
    assertThat(mismatch.exitCode()).isEqualTo(2);
    assertThat(mismatch.err()).contains("has limit 2, not 3").contains("--change-limit");

    assertThat(run("--name", "m", "--limit", "3", "--change-limit", "--", "true").exitCode())
        .isZero();
    assertThat(FileSemaphore.status(directory, "m").limit()).isEqualTo(3);
  }

  @Test
  void aWeightAboveTheLimitIsAUsageError() {
    CommandRun heavy = run("--name", "w", "--limit", "2", "--weight", "3", "--", "true");
    assertThat(heavy.exitCode()).isEqualTo(2);
    assertThat(heavy.err()).contains("--weight must be between 1 and the limit 2, was 3");
  }

  @Test
  void aCommandThatCannotStartExits127() {
    CommandRun missing = run("--name", "n", "--limit", "1", "--", "no-such-command-here");
    assertThat(missing.exitCode()).isEqualTo(127);
    assertThat(missing.err()).contains("cannot run 'no-such-command-here'");
  }

  @Test
  void aMissingCommandOrNameIsAUsageError() {
    assertThat(run("--name", "x", "--limit", "1").exitCode()).isEqualTo(2);
    assertThat(run("--limit", "1", "--", "true").exitCode()).isEqualTo(2);
    CommandRun badBackend =
        CommandRun.of("run", "--backend", "nope", "--name", "x", "--limit", "1", "--", "true");
    assertThat(badBackend.exitCode()).isEqualTo(2);
    assertThat(badBackend.err()).contains("'nope' is not a backend");
  }

  @Test
  void sigintIsLeftToTheTerminalOnlyInItsForegroundGroup() {
    // pid (comm) state ppid pgrp session tty_nr tpgid
    assertThat(SignalForwarding.inTerminalForeground("41 (java x) S 40 41 30 34817 41 0"))
        .as("foreground of a terminal")
        .isTrue();
    assertThat(SignalForwarding.inTerminalForeground("41 (java) S 40 41 30 34817 39 0"))
        .as("background job")
        .isFalse();
    assertThat(SignalForwarding.inTerminalForeground("41 (java) S 40 41 41 0 -1 0"))
        .as("no terminal")
        .isFalse();
    assertThat(SignalForwarding.inTerminalForeground("garbage")).isFalse();
  }
}
