package io.permits.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.permits.Lease;
import io.permits.postgres.PostgresSemaphore;
import io.permits.testsupport.PostgresServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.postgresql.ds.PGSimpleDataSource;

/** {@code permits run} and {@code permits status} with {@code --backend postgresql://…}. */
@Timeout(60)
class PostgresBackendTest {

  private static PostgresServer server;
  private static String uri;

  @BeforeAll
  static void startPostgres() {
    server = PostgresServer.start();
    uri = "postgresql://postgres@127.0.0.1:" + server.port() + "/postgres";
  }

  @AfterAll
  static void stopPostgres() {
    server.close();
  }

  @Test
  void runPassesTheExitCodeThroughAndTimesOutWhileAnotherClientHolds() throws Exception {
    CommandRun seven =
        CommandRun.of(
            "run", "--backend", uri, "--name", "p", "--limit", "1", "--", "sh", "-c", "exit 7");
    assertThat(seven.exitCode()).as(seven.err()).isEqualTo(7);

    PGSimpleDataSource dataSource = new PGSimpleDataSource();
    dataSource.setURL(server.jdbcUrl());
    dataSource.setUser(server.user());
    try (PostgresSemaphore other =
            PostgresSemaphore.builder(dataSource).name("p").limit(1).command("other job").build();
        Lease held = other.acquire()) {
      CommandRun timedOut =
          CommandRun.of(
              "run", "--backend", uri, "--name", "p", "--limit", "1", "--timeout", "100ms", "--",
              "true");
      assertThat(timedOut.exitCode()).isEqualTo(75);
      assertThat(timedOut.err()).contains("timed out after 100ms");

      CommandRun status = CommandRun.of("status", "--backend", uri);
      assertThat(status.exitCode()).as(status.err()).isZero();
      assertThat(status.outLines()).contains("p  limit 1  held 1  waiting 0");
      assertThat(status.out()).contains("holding", "other job");
    }
  }

  @Test
  void anUnreachableServerIsReportedWithExitCode69() {
    String down = "postgresql://postgres@127.0.0.1:1/postgres";
    CommandRun run =
        CommandRun.of("run", "--backend", down, "--name", "x", "--limit", "1", "--", "true");
    assertThat(run.exitCode()).isEqualTo(69);
    assertThat(run.err()).contains("cannot reach " + down);
    CommandRun status = CommandRun.of("status", "--backend", down);
    assertThat(status.exitCode()).isEqualTo(69);
    assertThat(status.err())
        .contains("permits status: cannot reach " + down)
        .doesNotContain("\tat ");
  }

  @Test
  void aLimitMismatchIsAUsageError() {
    assertThat(
            CommandRun.of("run", "--backend", uri, "--name", "m", "--limit", "2", "--", "true")
                .exitCode())
        .isZero();
    CommandRun mismatch =
        CommandRun.of("run", "--backend", uri, "--name", "m", "--limit", "3", "--", "true");
    assertThat(mismatch.exitCode()).isEqualTo(2);
    assertThat(mismatch.err()).contains("has limit 2 in PostgreSQL, not 3");
  }
}
