package io.permits.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import io.permits.Permit;
import io.permits.file.FileSemaphore;
import io.permits.tck.Await;
import io.permits.testsupport.ForkedJvm;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code permits run} as separate OS processes: the bound, kill -9, order, signals. */
@Timeout(120)
class ProcessesTest {

  @TempDir Path directory;

  private ForkedJvm permits(String... args) {
    String[] all = new String[args.length + 1];
    all[0] = "run";
    System.arraycopy(args, 0, all, 1, args.length);
    all = withBackend(all);
    // in a session of its own: no controlling terminal, as under a scheduler or CI, even when
    // the tests run from a terminal (where SIGINT would be left to the terminal to deliver)
    return ForkedJvm.startInNewSession(
        Main.class.getName(), List.of("-XX:TieredStopAtLevel=1"), all);
  }

  private String[] withBackend(String[] args) {
    String[] all = new String[args.length + 1];
    all[0] = args[0];
    all[1] = "--backend=file:" + directory;
    System.arraycopy(args, 1, all, 2, args.length - 1);
    return all;
  }

  @Test
  void eightProcessesOnALimitOfTwoNeverHaveMoreThanTwoInside() throws Exception {
    Path log = directory.resolve("log");
    Files.createFile(log);
    String enterAndExit =
        "echo enter $$ >> \"$0\"; sleep 0.2; echo exit $$ >> \"$0\"";
    List<ForkedJvm> runs = new ArrayList<>();
    try {
      for (int i = 0; i < 8; i++) {
        runs.add(
            permits("--name", "t", "--limit", "2", "--", "sh", "-c", enterAndExit,
                log.toString()));
      }
      for (ForkedJvm run : runs) {
        assertThat(run.awaitExit()).isZero();
      }
    } finally {
      runs.forEach(ForkedJvm::close);
    }

    List<String> lines = Files.readAllLines(log);
    assertThat(lines).hasSize(16);
    int inside = 0;
    for (String line : lines) {
      inside += line.startsWith("enter") ? 1 : -1;
      assertThat(inside).as("inside after '%s' in %s", line, lines).isBetween(0, 2);
    }
    assertThat(inside).isZero();
  }

  @Test
  void aWaitingRunGetsThePermitOfARunKilledWithSigkill() throws Exception {
    Path childPid = directory.resolve("child.pid");
    try (ForkedJvm holder =
            permits("--name", "k", "--limit", "1", "--",
                "sh", "-c", "echo $$ > \"$0\"; exec sleep 600", childPid.toString());
        ForkedJvm waiter = startWaiterOnceHeld(childPid)) {
      Await.until(
          () -> FileSemaphore.status(directory, "k").waiters().size() == 1,
          () -> "the second run never waited: " + FileSemaphore.status(directory, "k"));

      long killed = System.nanoTime();
      holder.kill();
      waiter.awaitLine("got it");
      long latency = System.nanoTime() - killed;
      assertThat(waiter.awaitExit())
          .as(
              "exit code of the waiting run, whose command started %.1f ms after kill -9 of the"
                  + " holding 'permits run'",
              latency / 1e6)
          .isZero();
    } finally {
      killOrphan(childPid); // the holder's child outlives it: it is not the permit holder
    }
  }

  private ForkedJvm startWaiterOnceHeld(Path childPid) throws Exception {
    Await.until(
        () -> childPid.toFile().length() > 0,
        () -> "the holder's command never started");
    return permits("--name", "k", "--limit", "1", "--", "echo", "got it");
  }

  @Test
  void waitingRunsAreServedInArrivalOrderAcrossProcesses() throws Exception {
    Path log = directory.resolve("order");
    Files.createFile(log);
    List<ForkedJvm> runs = new ArrayList<>();
    try (FileSemaphore semaphore = FileSemaphore.open(directory, "fifo", 1)) {
      Permit held = semaphore.acquire();
      for (int i = 1; i <= 4; i++) {
        runs.add(
            permits("--name", "fifo", "--limit", "1", "--",
                "sh", "-c", "echo " + i + " >> \"$0\"", log.toString()));
        int expected = i;
        Await.until(
            () -> FileSemaphore.status(directory, "fifo").waiters().size() == expected,
            () -> "run " + expected + " never waited: " + FileSemaphore.status(directory, "fifo"));
      }
      held.close();
      for (ForkedJvm run : runs) {
        assertThat(run.awaitExit()).isZero();
      }
    } finally {
      runs.forEach(ForkedJvm::close);
    }
    assertThat(Files.readAllLines(log)).containsExactly("1", "2", "3", "4");
  }

  @Test
  void sigtermIsForwardedToTheCommandAndThePermitReleasedWhenItEnds() throws Exception {
    forwards("TERM", 5);
  }

  @Test
  void sigintIsForwardedToTheCommandAndThePermitReleasedWhenItEnds() throws Exception {
    assumeFalse(
        ignoredHere(2), "SIGINT is ignored by this JVM (started as a background job), so by its"
            + " children too: it cannot be forwarded");
    forwards("INT", 6);
  }

  private void forwards(String signal, int exitCode) throws Exception {
    String script =
        "trap 'echo caught; exit " + exitCode + "' " + signal
            + "; echo ready; while :; do sleep 0.02; done";
    try (FileSemaphore semaphore = FileSemaphore.open(directory, "sig", 1);
        ForkedJvm run = permits("--name", "sig", "--limit", "1", "--", "sh", "-c", script)) {
      run.awaitLine("ready");
      assertThat(semaphore.available()).isZero();

      Process kill =
          new ProcessBuilder("kill", "-" + signal, Long.toString(run.process().pid())).start();
      assertThat(kill.waitFor()).isZero();

      run.awaitLine("caught");
      assertThat(run.awaitExit()).isEqualTo(exitCode);
      assertThat(semaphore.available()).isEqualTo(1);
    }
  }

  private static boolean ignoredHere(int signal) throws Exception {
    for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
      if (line.startsWith("SigIgn:")) {
        return new BigInteger(line.substring("SigIgn:".length()).trim(), 16).testBit(signal - 1);
      }
    }
    return false;
  }

  private static void killOrphan(Path pidFile) throws Exception {
    if (Files.exists(pidFile)) {
      String pid = Files.readString(pidFile).trim();
      if (!pid.isEmpty()) {
        ProcessHandle.of(Long.parseLong(pid)).ifPresent(ProcessHandle::destroyForcibly);
      }
    }
  }
}
