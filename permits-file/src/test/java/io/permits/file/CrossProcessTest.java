package io.permits.file;

import static org.assertj.core.api.Assertions.assertThat;

import io.permits.HolderProcess;
import io.permits.Permit;
import io.permits.PermitHolder;
import io.permits.tck.Await;
import io.permits.tck.Forked;
import io.permits.testsupport.ForkedJvm;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** What only separate processes can show: holders elsewhere, kill -9, stopped waiters. */
@Timeout(60)
@SuppressWarnings("try") // permits held by try blocks that do not use them
class CrossProcessTest {

  @TempDir Path directory;

  @Test
  void aPermitHeldByAnotherProcessIsNotFreeHereAndShowsItsProcess() throws Exception {
    try (FileSemaphore semaphore = FileSemaphore.open(directory, "db", 2);
        ForkedJvm holder = ForkedJvm.start(HoldMain.class, directory.toString(), "db", "2", "1")) {
      holder.awaitLine("held");

      assertThat(semaphore.available()).isEqualTo(1);
      assertThat(semaphore.tryAcquire(2)).isEmpty();
      List<PermitHolder> holders = semaphore.holders();
      assertThat(holders).hasSize(1);
      HolderProcess process = holders.get(0).process();
      assertThat(process).isNotNull();
      assertThat(process.pid()).isEqualTo(holder.process().pid());
      assertThat(process.command()).hasValueSatisfying(c -> assertThat(c).contains("HoldMain"));
      try (Permit mine = semaphore.tryAcquire().orElseThrow()) {
        assertThat(semaphore.available()).isZero();
        assertThat(semaphore.holders()).hasSize(2);
      }
    }
  }

  @Test
  void aHolderKilledWithSigkillGivesItsPermitsToAWaiterHere() throws Exception {
    try (FileSemaphore semaphore = FileSemaphore.open(directory, "kill", 2);
        ForkedJvm holder =
            ForkedJvm.start(HoldMain.class, directory.toString(), "kill", "2", "2")) {
      holder.awaitLine("held");
      Forked<Permit> waiter = Forked.start("waiter", () -> semaphore.acquire(2));
      Await.until(
          () -> FileSemaphore.status(directory, "kill").waiters().size() == 1,
          () -> "the waiter never registered: " + FileSemaphore.status(directory, "kill"));

      long killed = System.nanoTime();
      holder.kill();
      Permit permit = waiter.join();
      long latency = System.nanoTime() - killed;

      assertThat(permit.permits())
          .as("permits taken here %.1f ms after kill -9 of the holding JVM", latency / 1e6)
          .isEqualTo(2);
      assertThat(FileSemaphore.status(directory, "kill").waiters()).isEmpty();
      permit.close();
      assertThat(semaphore.available()).isEqualTo(2);
    }
  }

  @Test
  void aWaiterInAStoppedProcessIsPassedOverOnceItStopsPolling() throws Exception {
    try (FileSemaphore semaphore = FileSemaphore.open(directory, "stop", 1);
        Permit first = semaphore.acquire();
        ForkedJvm waiter =
            ForkedJvm.start(HoldMain.class, directory.toString(), "stop", "1", "1")) {
      Await.until(
          () -> FileSemaphore.status(directory, "stop").waiters().size() == 1,
          () -> "the other process never waited: " + FileSemaphore.status(directory, "stop"));
      first.close();
      // the earlier waiter has its turn: a newcomer here does not overtake it
      waiter.awaitLine("held");
      assertThat(semaphore.tryAcquire()).isEmpty();
      waiter.process().getOutputStream().close(); // let it go
      assertThat(waiter.awaitExit()).isZero();

      try (Permit again = semaphore.acquire();
          ForkedJvm stopped =
              ForkedJvm.start(HoldMain.class, directory.toString(), "stop", "1", "1")) {
        Await.until(
            () -> FileSemaphore.status(directory, "stop").waiters().size() == 1,
            () -> "the other process never waited: " + FileSemaphore.status(directory, "stop"));
        stopOutsideItsMutex(stopped.process().pid());
        again.close();
        // a newcomer may take the permit once the stopped waiter's heartbeat is stale
        Optional<Permit> taken = Optional.empty();
        while (taken.isEmpty()) {
          taken = semaphore.tryAcquire(Duration.ofMillis(200));
        }
        taken.get().close();
        signal("CONT", stopped.process().pid());
        stopped.awaitLine("held");
      }
    }
  }

  @Test
  void twoSemaphoreObjectsInOneJvmShareThePermits() throws Exception {
    try (FileSemaphore a = FileSemaphore.open(directory, "shared", 1);
        FileSemaphore b = FileSemaphore.open(directory, "shared", 1)) {
      Permit held = a.acquire();
      assertThat(b.tryAcquire()).isEmpty();
      Forked<Permit> waiter = Forked.start("b-waiter", b::acquire);
      Await.until(() -> a.waiting() == 1, () -> "b's request is not waiting: " + a.waiting());
      held.close();
      try (Permit taken = waiter.join()) {
        assertThat(a.available()).isZero();
        assertThat(a.tryAcquire()).isEmpty();
      }
      assertThat(a.available()).isEqualTo(1);
      assertThat(b.waiting()).isZero();
    }
  }

  @Test
  void aShrinkByAnotherObjectHoldsNewGrantsUntilTheExcessIsReturned() throws Exception {
    try (FileSemaphore a = FileSemaphore.open(directory, "shrink", 3);
        FileSemaphore b = FileSemaphore.open(directory, "shrink", 3)) {
      Permit three = a.acquire(3);
      b.setLimit(1);
      assertThat(a.limit()).isEqualTo(1);
      assertThat(b.tryAcquire()).isEmpty();
      three.close();
      try (Permit one = b.tryAcquire().orElseThrow()) {
        assertThat(a.tryAcquire()).isEmpty();
      }
    }
  }

  /**
   * Stops a process at a moment it does not hold the file's mutex (byte 0; it takes it for some
   * microseconds per poll, and a process stopped inside would block every grant until
   * continued, which is a different test): stops it, and if /proc/locks shows it holding the
   * mutex, continues it and tries again.
   */
  private static void stopOutsideItsMutex(long pid) throws Exception {
    while (true) {
      signal("STOP", pid);
      // kill(1) returns once the signal is sent: a thread still running may yet take the mutex,
      // so the locks are read only when every thread has stopped (this test once timed out on a
      // loaded machine, 2026-12-03; this race is one way it could, not a proven cause)
      Await.until(() -> allThreadsStopped(pid), () -> "process " + pid + " to stop");
      if (!holdsMutex(pid)) {
        return;
      }
      signal("CONT", pid);
    }
  }

  /** Whether every thread of the process is stopped (state T in /proc/PID/task/TID/stat). */
  private static boolean allThreadsStopped(long pid) {
    try (var tasks = java.nio.file.Files.list(Path.of("/proc", Long.toString(pid), "task"))) {
      return tasks.allMatch(
          task -> {
            try {
              String stat = java.nio.file.Files.readString(task.resolve("stat"));
              // "TID (comm) STATE ...": the comm may hold spaces or parentheses
              String state = stat.substring(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
              return state.equals("T") || state.equals("t");
            } catch (java.io.IOException gone) {
              return true; // a thread that ended is not running
            }
          });
    } catch (java.io.IOException gone) {
      return true;
    }
  }

  private static boolean holdsMutex(long pid) throws Exception {
    for (String line : java.nio.file.Files.readAllLines(Path.of("/proc/locks"))) {
      String[] fields = line.trim().split("\\s+");
      // "3: POSIX  ADVISORY  WRITE 11137 fe:00:2212772 0 0"; blocked requests have "->"
      if (fields.length == 8 && fields[4].equals(Long.toString(pid)) && fields[6].equals("0")
          && fields[7].equals("0")) {
        return true;
      }
    }
    return false;
  }

  private static void signal(String signal, long pid) throws Exception {
    Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(pid)).start();
    assertThat(kill.waitFor()).isZero();
  }
}
