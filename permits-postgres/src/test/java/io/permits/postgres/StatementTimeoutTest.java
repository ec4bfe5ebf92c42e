package io.permits.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariDataSource;
import io.permits.tck.Await;
import io.permits.testsupport.PostgresServer;
import java.sql.Connection;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * An acquire whose first statement does not come back: the semaphore's row is locked by another
 * transaction (as a long statement of another client would hold it), so the acquire waits for
 * the lock until its connection gives up. The caller is told "no" (an exception), and once the
 * lock is let go nothing may stay held in PostgreSQL, well before the 30 s lease would expire.
 */
@Timeout(60)
class StatementTimeoutTest {

  private final PostgresServer server = PostgresServer.start();

  @AfterEach
  void stopPostgres() {
    server.close();
  }

  /** A statement timeout: the server cancels the acquire, and its transaction rolls back. */
  @Test
  void anAcquireCancelledByAStatementTimeoutLeavesNoLease() throws Exception {
    try (HikariDataSource pool =
            Pools.pool(server, 4, "options", "-c statement_timeout=300");
        PostgresSemaphore semaphore = semaphore(pool, "timeout")) {
      semaphore.acquire().close(); // the schema made, the plans cached
      try (Connection lock = lockRow("timeout")) {
        assertThatThrownBy(semaphore::acquire)
            .isInstanceOf(PostgresSemaphoreException.class)
            .hasMessageContaining("semaphore 'timeout': acquire failed");
        lock.rollback();
      }
      awaitNothingHeld(pool, "timeout");
    }
  }

  /**
   * The client gives up on the acquire (its socket timeout) while the server still runs it: the
   * acquire grants once the lock is let go, after its caller was told "no"; the cancel the client
   * sent (and keeps sending) ends that lease.
   */
  @Test
  void anAcquireTheClientGaveUpOnButTheServerRanLeavesNoLease() throws Exception {
    try (HikariDataSource pool = Pools.pool(server, 4, "socketTimeout", "1");
        PostgresSemaphore semaphore = semaphore(pool, "gave-up")) {
      semaphore.acquire().close();
      try (Connection lock = lockRow("gave-up")) {
        assertThatThrownBy(semaphore::acquire)
            .isInstanceOf(PostgresSemaphoreException.class)
            .hasMessageContaining("semaphore 'gave-up': acquire failed");
        lock.commit(); // the acquire runs now, and grants
      }
      awaitNothingHeld(pool, "gave-up");
      assertThat(new Sql(pool).count("tombstones", "gave-up"))
          .as("the cancel's tombstone").isEqualTo(1);
    }
  }

  private static PostgresSemaphore semaphore(HikariDataSource pool, String name) {
    return PostgresSemaphore.builder(pool).name(name).limit(1).build();
  }

  /** Holds the semaphore's row lock in a transaction of its own, until rolled back or committed. */
  private Connection lockRow(String name) throws Exception {
    Connection connection = // its own, not from the pool under test
        java.sql.DriverManager.getConnection(server.jdbcUrl(), server.user(), "");
    connection.setAutoCommit(false);
    Sql.row(connection, "SELECT name FROM permits.semaphores WHERE name = ? FOR UPDATE", name);
    return connection;
  }

  private static void awaitNothingHeld(HikariDataSource pool, String name) throws Exception {
    Sql sql = new Sql(pool);
    long deadline = System.nanoTime() + Await.PATIENCE.toNanos();
    while (sql.count("leases", name) + sql.count("waiters", name) + sql.used(name) > 0) {
      assertThat(System.nanoTime() - deadline)
          .as("leases %d, waiters %d, used %d of '%s' after %s", sql.count("leases", name),
              sql.count("waiters", name), sql.used(name), name, Await.PATIENCE)
          .isNegative();
      Thread.onSpinWait();
    }
  }
}
