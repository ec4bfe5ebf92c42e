package io.permits.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.permits.Permit;
import io.permits.file.FileSemaphore;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code permits status}: table, JSON, watch, missing names. */
class StatusCommandTest {

  @TempDir Path directory;

  private final long pid = ProcessHandle.current().pid();

  @Test
  @SuppressWarnings("try") // the permits are held, not used
  void theTableShowsLimitHoldersAndTheirProcess() throws Exception {
    try (FileSemaphore db =
            FileSemaphore.builder("db").directory(directory).limit(3).command("psql -f x").build();
        FileSemaphore idle = FileSemaphore.open(directory, "idle", 1);
        Permit two = db.acquire(2)) {
      CommandRun status = CommandRun.of("status", "--backend", "file:" + directory);
      assertThat(status.exitCode()).isZero();
      assertThat(status.outLines())
          .contains("db  limit 3  held 2  waiting 0", "idle  limit 1  held 0  waiting 0");
      assertThat(status.out()).contains("STATE", "PID", "COMMAND");
      assertThat(status.outLines())
          .anySatisfy(
              line ->
                  assertThat(line)
                      .startsWith("  holding  " + pid + "  2 ")
                      .endsWith("psql -f x"));
    }
  }

  @Test
  @SuppressWarnings("try") // the permits are held, not used
  void jsonHasEverySemaphoreWithItsHolders() throws Exception {
    try (FileSemaphore db = FileSemaphore.builder("db").directory(directory).limit(2)
            .command("say \"hi\"").build();
        Permit one = db.acquire()) {
      CommandRun status = CommandRun.of("status", "--backend", "file:" + directory, "--json", "db");
      assertThat(status.exitCode()).isZero();
      assertThat(status.out().trim())
          .startsWith(
              "[{\"name\":\"db\",\"limit\":2,\"held\":1,\"waiting\":0,"
                  + "\"holders\":[{\"pid\":"
                  + pid
                  + ",")
          .contains("\"permits\":1", "\"command\":\"say \\\"hi\\\"\"", "\"waiters\":[]")
          .endsWith("}]");
    }
  }

  @Test
  void watchRedrawsInPlace() {
    FileSemaphore.open(directory, "w", 1).close();
    CommandRun watched =
        CommandRun.of(
            "status", "--backend", "file:" + directory, "--watch", "--interval", "10ms",
            "--count", "3");
    assertThat(watched.exitCode()).isZero();
    assertThat(watched.out().split("\033\\[H\033\\[2J", -1)).hasSize(4);
  }

  @Test
  void aMissingNameExitsWith1AndAnEmptyDirectorySaysSo() {
    CommandRun missing = CommandRun.of("status", "--backend", "file:" + directory, "nope");
    assertThat(missing.exitCode()).isEqualTo(1);
    assertThat(missing.err()).contains("no semaphore 'nope'");
    CommandRun empty = CommandRun.of("status", "--backend", "file:" + directory);
    assertThat(empty.exitCode()).isZero();
    assertThat(empty.out()).contains("no semaphores in " + directory);
  }
}
