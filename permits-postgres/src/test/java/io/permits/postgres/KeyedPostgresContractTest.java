package io.permits.postgres;

import com.zaxxer.hikari.HikariDataSource;
import io.permits.Fairness;
import io.permits.KeyedSemaphore;
import io.permits.Semaphore;
import io.permits.tck.OneKey;
import io.permits.tck.SemaphoreContract;
import io.permits.testsupport.PostgresServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;

/** The contract run against one key of a keyed semaphore whose key and total live in PostgreSQL. */
@DisplayName("KeyedSemaphore on PostgreSQL, one key and the total, STRICT")
class KeyedPostgresContractTest extends SemaphoreContract {

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
    return OneKey.of(
        KeyedSemaphore.builder()
            .name(name)
            .perKeyLimit(limit)
            .limit(limit)
            .backend(
                (semaphore, permits) ->
                    PostgresSemaphore.builder(pool)
                        .name(semaphore)
                        .limit(permits)
                        .changeLimit(true)
                        .fairness(Fairness.STRICT)
                        .build())
            .build());
  }

  @Override
  public boolean strictOrder() {
    return true;
  }

  /** Each grant and release is two round trips (the key's and the total's). */
  @Override
  public double loadScale() {
    return 0.05;
  }
}
