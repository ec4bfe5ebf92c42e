package io.permits.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import io.permits.Lease;
import io.permits.Permit;
import io.permits.tck.Await;
import io.permits.testsupport.Figures;
import io.permits.testsupport.ForkedJvm;
import io.permits.testsupport.PostgresServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Client JVMs killed with {@code kill -9}, holders and queued waiters alike (each a {@link
 * PgHoldMain}): every permit they held, were queued for, or were handed by a release after they
 * died must be takeable again within one lease and one second (a dead waiter's ticket lapses about
 * a second after its client last asked) of the kill, with {@value #SLACK_MILLIS} ms of slack.
 */
@Timeout(120)
@SuppressWarnings("try") // killAll is only closed
class KilledClientsTest {

  private static final long LEASE_MILLIS = 2_000;
  private static final long BOUND_MILLIS = LEASE_MILLIS + 1_000;
  private static final long SLACK_MILLIS = 700;
  /** Only C1: the client JVMs start with less processor time. */
  private static final List<String> JVM_OPTIONS = List.of("-XX:TieredStopAtLevel=1");

  private final PostgresServer server = PostgresServer.start();
  private final HikariDataSource pool = Pools.pool(server, 8);

  @AfterEach
  void stopPostgres() {
    pool.close();
    server.close();
  }

  @Test
  void killedHoldersAndQueuedWaitersGiveEveryPermitBackWithinALeaseAndASecond()
      throws Exception {
    int limit = 3;
    List<ForkedJvm> clients = new ArrayList<>();
    try (AutoCloseable killAll = () -> clients.forEach(ForkedJvm::close);
        PostgresSemaphore semaphore = semaphore("killed", limit)) {
      for (int i = 0; i < limit; i++) {
        clients.add(holdOne("killed", limit));
      }
      for (ForkedJvm holder : clients) {
        holder.awaitLineStartingWith("held ");
      }
      clients.add(holdOne("killed", limit));
      clients.add(holdOne("killed", limit));
      Await.waiting(semaphore, 2); // both queued behind the holders

      long killed = System.nanoTime();
      for (ForkedJvm client : clients) {
        client.kill();
      }
      Optional<Permit> all = semaphore.tryAcquire(limit, Duration.ofSeconds(20));
      long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killed);

      assertThat(all).as("all %d permits, %d ms after the kill", limit, millis).isPresent();
      all.get().close();
      Figures.record("KilledClientsTest: all %d permits back %d ms after kill -9 of %d holders"
          + " and 2 queued waiters (lease %d ms)%n", limit, millis, limit, LEASE_MILLIS);
      assertThat(millis)
          .as("ms from the kill -9 of %d holders and 2 queued waiters (lease %d ms) until all"
              + " %d permits were taken: %d", limit, LEASE_MILLIS, limit, millis)
          .isLessThanOrEqualTo(BOUND_MILLIS + SLACK_MILLIS);
    }
  }

  @Test
  void aWaiterKilledBeforeAReleaseHandsItThePermitGivesItBackWithinALeaseAndASecond()
      throws Exception {
    try (PostgresSemaphore semaphore = semaphore("dead-waiter", 1);
        ForkedJvm waiter = holdOne("dead-waiter", 1)) {
      Lease held = semaphore.acquire();
      Await.waiting(semaphore, 1); // the other JVM's ticket is queued

      long killed = System.nanoTime();
      waiter.kill();
      held.close(); // may hand the permit to the dead waiter's ticket
      Optional<Permit> taken = semaphore.tryAcquire(Duration.ofSeconds(20));
      long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killed);

      assertThat(taken).as("the permit, %d ms after the kill", millis).isPresent();
      taken.get().close();
      Figures.record("KilledClientsTest: permit back %d ms after kill -9 of a queued waiter"
          + " and a release (lease %d ms)%n", millis, LEASE_MILLIS);
      assertThat(millis)
          .as("ms from the kill -9 of a queued waiter (then a release; lease %d ms) until the"
              + " permit was taken: %d", LEASE_MILLIS, millis)
          .isLessThanOrEqualTo(BOUND_MILLIS + SLACK_MILLIS);
    }
  }

  private PostgresSemaphore semaphore(String name, int limit) {
    return PostgresSemaphore.builder(pool)
        .name(name)
        .limit(limit)
        .lease(Duration.ofMillis(LEASE_MILLIS))
        .build();
  }

  /** A client JVM that acquires one permit and holds it (or waits for it) until killed. */
  private ForkedJvm holdOne(String name, int limit) {
    return ForkedJvm.start(
        PgHoldMain.class.getName(),
        JVM_OPTIONS,
        server.jdbcUrl(),
        name,
        Integer.toString(limit),
        Long.toString(LEASE_MILLIS));
  }
}
