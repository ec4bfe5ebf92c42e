package io.permits.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.permits.Lease;
import io.permits.testsupport.PostgresServer;
import java.net.InetAddress;
import java.net.ServerSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Opening a semaphore: the schema made on first use where the user names it, and each way it
 * can fail with a clear message naming the semaphore and the cause.
 */
@Timeout(60)
class OpeningTest {

  private static PostgresServer server;
  private static HikariDataSource pool;

  @BeforeAll
  static void start() {
    server = PostgresServer.start();
    pool = Pools.pool(server, 4);
  }

  @AfterAll
  static void stop() {
    pool.close();
    server.close();
  }

  @Test
  void theSchemaIsMadeOnFirstUseWhereTheUserNamesIt() throws Exception {
    try (PostgresSemaphore semaphore =
            PostgresSemaphore.builder(pool).schema("app_permits").name("named").limit(2).build();
        Lease lease = semaphore.acquire()) {
      assertThat(lease.token()).isPositive();
      assertThat(server.psql("SELECT version FROM app_permits.schema_version")).isEqualTo("1");
      assertThat(server.psql("SELECT used FROM app_permits.semaphores WHERE name = 'named'"))
          .isEqualTo("1");
      assertThat(PostgresSemaphore.names(pool, "app_permits")).containsExactly("named");
      assertThat(PostgresSemaphore.status(pool, "app_permits", "named").holders()).hasSize(1);
    }
  }

  @Test
  void theScriptForAnotherSchemaNamesNoOther() {
    String script = Schema.script("other");
    assertThat(script).doesNotContainPattern("\\bpermits\\.").contains("CREATE SCHEMA IF NOT EXISTS other;")
        .contains("ON SCHEMA other TO app");
  }

  @Test
  void aSchemaOfAnotherVersionIsRefused() {
    PostgresSemaphore.builder(pool).schema("old_permits").name("old").limit(1).build().close();
    server.psql("UPDATE old_permits.schema_version SET version = 99");
    try (HikariDataSource fresh = Pools.pool(server, 2)) { // not yet checked in this JVM
      assertThatThrownBy(
              () -> PostgresSemaphore.builder(fresh).schema("old_permits").name("old").limit(1)
                  .build())
          .isInstanceOf(PostgresSemaphoreException.class)
          .hasMessageContaining("semaphore 'old'")
          .hasMessageContaining("schema 'old_permits' was made by version 99")
          .extracting(e -> ((PostgresSemaphoreException) e).reason())
          .isEqualTo(PostgresSemaphoreException.Reason.SCHEMA);
      // read without opening: refused too, rather than misread
      assertThatThrownBy(() -> PostgresSemaphore.names(fresh, "old_permits"))
          .isInstanceOf(PostgresSemaphoreException.class)
          .hasMessageContaining("was made by version 99")
          .extracting(e -> ((PostgresSemaphoreException) e).reason())
          .isEqualTo(PostgresSemaphoreException.Reason.SCHEMA);
      assertThatThrownBy(() -> PostgresSemaphore.status(fresh, "old_permits", "old"))
          .isInstanceOf(PostgresSemaphoreException.class)
          .extracting(e -> ((PostgresSemaphoreException) e).reason())
          .isEqualTo(PostgresSemaphoreException.Reason.SCHEMA);
    }
  }

  @Test
  void aSchemaNeverMadeHasNoSemaphoresToShow() {
    assertThat(PostgresSemaphore.names(pool, "never_made")).isEmpty();
    assertThatThrownBy(() -> PostgresSemaphore.status(pool, "never_made", "x"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("no semaphore 'x' in schema 'never_made'");
    assertThat(server.psql("SELECT count(*) FROM pg_namespace WHERE nspname = 'never_made'"))
        .isEqualTo("0");
  }

  @Test
  void aUserWithoutPrivilegesIsToldWhatToGrant() {
    PostgresSemaphore.builder(pool).name("private").limit(1).build().close();
    server.psql("DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'app') THEN"
        + " CREATE ROLE app LOGIN; END IF; END $$");
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(server.jdbcUrl());
    config.setUsername("app");
    config.setMaximumPoolSize(2);
    try (HikariDataSource app = new HikariDataSource(config)) {
      assertThatThrownBy(() -> PostgresSemaphore.builder(app).name("private").limit(1).build())
          .isInstanceOf(PostgresSemaphoreException.class)
          .hasMessageContaining("semaphore 'private'")
          .hasMessageContaining("lacks a privilege on schema 'permits'")
          .extracting(e -> ((PostgresSemaphoreException) e).reason())
          .isEqualTo(PostgresSemaphoreException.Reason.DENIED);
      assertThatThrownBy(() -> PostgresSemaphore.names(app, "permits"))
          .isInstanceOf(PostgresSemaphoreException.class)
          .hasMessageContaining("lacks a privilege on schema 'permits'")
          .extracting(e -> ((PostgresSemaphoreException) e).reason())
          .isEqualTo(PostgresSemaphoreException.Reason.DENIED);
    }
  }

  @Test
  void aLimitOtherThanTheRecordedOneIsRefusedUnlessChanged() {
    PostgresSemaphore.builder(pool).name("limited").limit(3).build().close();
    assertThatThrownBy(() -> PostgresSemaphore.builder(pool).name("limited").limit(4).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("semaphore 'limited' has limit 3 in PostgreSQL, not 4");
    try (PostgresSemaphore changed =
        PostgresSemaphore.builder(pool).name("limited").limit(4).changeLimit(true).build()) {
      assertThat(changed.limit()).isEqualTo(4);
    }
  }

  @Test
  void anUnreachableServerIsSaidToBeUnreachable() throws Exception {
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closedPort = socket.getLocalPort();
    }
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl("jdbc:postgresql://127.0.0.1:" + closedPort + "/postgres");
    config.setUsername("postgres");
    config.setConnectionTimeout(1_000);
    config.setInitializationFailTimeout(-1); // the pool starts without the server
    try (HikariDataSource nowhere = new HikariDataSource(config)) {
      assertThatThrownBy(() -> PostgresSemaphore.builder(nowhere).name("far").limit(1).build())
          .isInstanceOf(PostgresSemaphoreException.class)
          .hasMessageContaining("semaphore 'far'")
          .hasMessageContaining("PostgreSQL cannot be reached")
          .extracting(e -> ((PostgresSemaphoreException) e).reason())
          .isEqualTo(PostgresSemaphoreException.Reason.UNREACHABLE);
    }
  }
}
