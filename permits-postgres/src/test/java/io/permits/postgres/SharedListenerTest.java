package io.permits.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import io.permits.Lease;
import io.permits.Permit;
import io.permits.tck.Await;
import io.permits.testsupport.PostgresServer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Many semaphores of one pool with requests waiting at once, as a keyed semaphore has one per key:
 * they share one listening connection, so a pool smaller than their number still serves them.
 */
@Timeout(60)
class SharedListenerTest {

  private static final int SEMAPHORES = 10;
  private static final int POOL = 4;

  private final PostgresServer server = PostgresServer.start();

  @AfterEach
  void stopPostgres() {
    server.close();
  }

  @Test
  void semaphoresOfOnePoolWaitingAtOnceShareOneListenerAndAreAllGranted() throws Exception {
    List<PostgresSemaphore> semaphores = new ArrayList<>();
    List<Lease> held = new ArrayList<>();
    List<CompletableFuture<Permit>> waiting = new ArrayList<>();
    try (HikariDataSource pool = Pools.pool(server, POOL)) {
      try {
        for (int i = 0; i < SEMAPHORES; i++) {
          // two clients of each name: one holds the permit, the other's request queues in the
          // database (within one client it would queue at the client's own gate)
          PostgresSemaphore holder =
              PostgresSemaphore.builder(pool).name("key-" + i).limit(1).build();
          PostgresSemaphore waiter =
              PostgresSemaphore.builder(pool).name("key-" + i).limit(1).build();
          semaphores.add(holder);
          semaphores.add(waiter);
          held.add(holder.acquire());
          waiting.add(waiter.acquireAsync(1));
        }
        Await.until(
            () -> server.psql("SELECT count(*) FROM permits.waiters")
                .equals(Integer.toString(SEMAPHORES)),
            () -> "every semaphore's request queued in the database");

        assertThat(server.psql("SELECT count(DISTINCT channel) FROM permits.waiters"))
            .as("the channels the waiters are notified on")
            .isEqualTo("1");
        held.forEach(Lease::close);
        for (CompletableFuture<Permit> request : waiting) {
          try (Permit granted = request.get(Await.PATIENCE.toSeconds(), TimeUnit.SECONDS)) {
            assertThat(granted.permits()).isEqualTo(1);
          }
        }
        assertThat(server.psql("SELECT count(*) FROM permits.leases")).as("leases").isEqualTo("0");
      } finally {
        held.forEach(Lease::close);
        waiting.forEach(request -> request.cancel(false));
        semaphores.forEach(PostgresSemaphore::close);
      }
    }
  }
}
