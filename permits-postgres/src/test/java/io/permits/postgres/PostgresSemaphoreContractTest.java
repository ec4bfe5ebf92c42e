package io.permits.postgres;

import com.zaxxer.hikari.HikariDataSource;
import io.permits.Fairness;
import io.permits.Semaphore;
import io.permits.tck.SemaphoreContract;
import io.permits.testsupport.PostgresServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;

@DisplayName("PostgresSemaphore, STRICT in the JVM")
class PostgresSemaphoreContractTest extends SemaphoreContract {

  private static PostgresServer server;
  private static HikariDataSource pool;

  @BeforeAll
  static void startPostgres() {
    server = PostgresServer.start();
    pool = Pools.pool(server, 16);
  }

  @AfterAll
  static void stopPostgres() {
    pool.close();
    server.close();
  }

  @Override
  protected Semaphore newSemaphore(String name, int limit) {
    return PostgresSemaphore.builder(pool)
        .name(name)
        .limit(limit)
        .fairness(Fairness.STRICT)
        .build();
  }

  @Override
  public boolean strictOrder() {
    return true;
  }

  /** Each grant and release is a round trip to PostgreSQL. */
  @Override
  public double loadScale() {
    return 0.1;
  }
}
