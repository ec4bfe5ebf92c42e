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
  void aSchemaOfAnotherVersionIsAConfigurationErrorWithExitCode78() {
    CommandRun made =
        CommandRun.of(
            "run", "--backend", uri, "--schema", "old_permits", "--name", "v", "--limit", "1",
            "--", "true");
    assertThat(made.exitCode()).as(made.err()).isZero();
    server.psql("UPDATE old_permits.schema_version SET version = 99");

    CommandRun run =
        CommandRun.of(
            "run", "--backend", uri, "--schema", "old_permits", "--name", "v", "--limit", "1",
            "--", "true");
    assertThat(run.exitCode()).as(run.err()).isEqualTo(78);
    assertThat(run.err())
        .startsWith(
            "permits run: " + uri + " (schema old_permits) is not set up for this version of"
                + " permits: ")
        .contains("schema 'old_permits' was made by version 99 of this library's schema, newer")
        .contains("--schema names another schema")
        .doesNotContain("cannot reach");
    CommandRun status = CommandRun.of("status", "--backend", uri, "--schema", "old_permits");
    assertThat(status.exitCode()).as(status.err()).isEqualTo(78);
    assertThat(status.err())
        .startsWith("permits status: " + uri + " (schema old_permits) is not set up")
        .contains("was made by version 99")
        .doesNotContain("\tat ");
  }

  @Test
  void aUserWithoutPrivilegesIsRefusedWithExitCode77() {
    assertThat(
            CommandRun.of("run", "--backend", uri, "--name", "mine", "--limit", "1", "--", "true")
                .exitCode())
        .isZero(); // the schema exists, made by its owner
    server.psql(
        "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'outsider') THEN"
            + " CREATE ROLE outsider LOGIN; END IF; END $$");
    String outsider = "postgresql://outsider@127.0.0.1:" + server.port() + "/postgres";

    CommandRun run =
        CommandRun.of("run", "--backend", outsider, "--name", "mine", "--limit", "1", "--", "true");
    assertThat(run.exitCode()).as(run.err()).isEqualTo(77);
    assertThat(run.err())
        .startsWith("permits run: " + outsider + " refused the database user: ")
        .contains("lacks a privilege on schema 'permits'")
        .contains("grant it USAGE on the schema");
    CommandRun status = CommandRun.of("status", "--backend", outsider);
    assertThat(status.exitCode()).as(status.err()).isEqualTo(77);
    assertThat(status.err())
        .startsWith("permits status: " + outsider + " refused the database user: ")
        .contains("lacks a privilege on schema 'permits'");
  }

  @Test
  void schemaNamesWhereTheSemaphoresLive() {
    CommandRun run =
        CommandRun.of(
            "run", "--backend", uri, "--schema", "batch", "--name", "nightly", "--limit", "2",
            "--", "true");
    assertThat(run.exitCode()).as(run.err()).isZero();
    assertThat(server.psql("SELECT permit_limit FROM batch.semaphores WHERE name = 'nightly'"))
        .isEqualTo("2");

    CommandRun inBatch = CommandRun.of("status", "--backend", uri, "--schema", "batch");
    assertThat(inBatch.exitCode()).as(inBatch.err()).isZero();
    assertThat(inBatch.outLines()).contains("nightly  limit 2  held 0  waiting 0");
    CommandRun inPermits = CommandRun.of("status", "--backend", uri, "nightly");
    assertThat(inPermits.exitCode()).isEqualTo(1);
    assertThat(inPermits.err()).contains("no semaphore 'nightly' in schema 'permits'");

    CommandRun never = CommandRun.of("status", "--backend", uri, "--schema", "never_made");
    assertThat(never.exitCode()).as(never.err()).isZero();
    assertThat(never.out()).isEqualTo("no semaphores in " + uri + " (schema never_made)\n");
  }

  @Test
  void schemaIsAUsageErrorWithAnotherBackendOrABadName() {
    CommandRun file =
        CommandRun.of("status", "--backend", "file:/tmp/permits-no-such-dir", "--schema", "x");
    assertThat(file.exitCode()).isEqualTo(2);
    assertThat(file.err()).contains("--schema is for a postgresql:// backend");
    CommandRun bad =
        CommandRun.of(
            "run", "--backend", uri, "--schema", "Bad-Name", "--name", "b", "--limit", "1", "--",
            "true");
    assertThat(bad.exitCode()).isEqualTo(2);
    assertThat(bad.err()).contains("bad --schema 'Bad-Name'");
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
