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
      assertThat(server.psql("SELECT version FROM app_permits.schema_version"))
          .isEqualTo(Integer.toString(Schema.VERSION));
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
  void aSchemaOfVersionOneIsUpgradedInPlaceKeepingItsLeasesAndQueue() throws Exception {
    server.psql(versionOne("v1_permits"));
    server.psql("SELECT recorded FROM v1_permits.set_limit('old', 1, 'open')");
    String held = server.psql("SELECT token FROM v1_permits.acquire('old', 'old-client:1', 1,"
        + " 30000, 0, 'permits_old', '1 h old', 1)");
    assertThat(server.psql("SELECT outcome FROM v1_permits.acquire('old', 'old-client:2', 1,"
        + " 30000, 60000, 'permits_old', '1 h old', 1)")).as("queued by version 1").isEqualTo("0");

    try (HikariDataSource fresh = Pools.pool(server, 4); // not yet checked in this JVM
        PostgresSemaphore upgraded =
            PostgresSemaphore.builder(fresh).schema("v1_permits").name("old").limit(1).build()) {
      assertThat(server.psql("SELECT version FROM v1_permits.schema_version"))
          .isEqualTo(Integer.toString(Schema.VERSION));
      assertThat(server.psql("SELECT string_agg(indexname, ' ' ORDER BY indexname)"
              + " FROM pg_indexes WHERE schemaname = 'v1_permits'"))
          .contains("leases_by_expiry", "waiters_by_arrival", "tombstones_by_until")
          .doesNotContain("leases_expiry ", "tombstones_until ", "waiters_semaphore_arrival_key");
      assertThat(upgraded.tryAcquire()).as("the lease of version 1 is still held").isEmpty();

      // a client of version 1, still running, releases by id and token: the ticket is handed on
      assertThat(server.psql("SELECT v1_permits.release('old', 'old-client:1', " + held + ")"))
          .isEqualTo("1");
      String handed = server.psql("SELECT outcome || ' ' || token FROM v1_permits.acquire('old',"
          + " 'old-client:2', 1, 30000, 60000, 'permits_old', '1 h old', 1)");
      assertThat(handed).as("the ticket queued before the upgrade, first").startsWith("1 ");
      assertThat(upgraded.tryAcquire()).isEmpty();
      assertThat(server.psql("SELECT v1_permits.release('old', 'old-client:2', "
          + handed.substring(2) + ")")).isEqualTo("1");
      try (Lease lease = upgraded.acquire()) {
        assertThat(lease.token()).isGreaterThan(Long.parseLong(handed.substring(2)));
      }
      assertThat(upgraded.available()).isEqualTo(1);
    }
  }

  @Test
  void theScriptRunByHandTwiceChangesNothingAndRefusesANewerSchema() {
    server.psql(Schema.script("by_hand"));
    server.psql(Schema.script("by_hand"));
    assertThat(server.psql("SELECT version FROM by_hand.schema_version"))
        .isEqualTo(Integer.toString(Schema.VERSION));
    server.psql("UPDATE by_hand.schema_version SET version = " + (Schema.VERSION + 1));
    assertThatThrownBy(() -> server.psql(Schema.script("by_hand")))
        .hasMessageContaining("newer than this file");
  }

  /** schema.sql as version 1 of this library had it, for the schema {@code schema}. */
  private static String versionOne(String schema) throws Exception {
    try (var in = OpeningTest.class.getResourceAsStream("schema-v1.sql")) {
      String text = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
      return text.replaceAll("\\bpermits\\.", schema + ".")
          .replaceAll("\\b(SCHEMA (?:IF NOT EXISTS )?)permits\\b", "$1" + schema);
    }
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
