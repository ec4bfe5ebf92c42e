package io.permits.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import io.permits.Lease;
import io.permits.Permit;
import io.permits.tck.Await;
import io.permits.testsupport.Figures;
import io.permits.testsupport.ForkedJvm;
import io.permits.testsupport.PostgresServer;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A holder JVM ({@link PgHoldMain}) stopped with SIGSTOP past its lease: another client gets the
 * permit with a higher token once the lease expires in PostgreSQL, and when the holder is
 * continued it learns that its lease is lost ({@code lost()} completes, {@code isHeld()} is
 * false): its belief never outlives the server's expiry. Once as a plain holder, once stopped
 * right after a release handed it the permit (before it could renew the hand-over's short
 * lease).
 */
@Timeout(90)
class StoppedHolderTest {

  private static final long LEASE_MILLIS = 2_000;
  private static final long SLACK_MILLIS = 1_000;

  private final PostgresServer server = PostgresServer.start();
  private final HikariDataSource pool = Pools.pool(server, 8);

  @AfterEach
  void stopPostgres() {
    pool.close();
    server.close();
  }

  @Test
  void aHolderStoppedPastItsLeaseLearnsItIsLostWhileAHigherTokenIsGranted() throws Exception {
    try (PostgresSemaphore semaphore = semaphore("stopped");
        ForkedJvm victim = holdOne("stopped")) {
      long held = Long.parseLong(victim.awaitLineStartingWith("held ").substring(5));
      long stopped = System.nanoTime();
      signal("STOP", victim.process().pid());

      Optional<Permit> next = semaphore.tryAcquire(Duration.ofSeconds(20));
      long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - stopped);
      assertThat(next).as("the permit, once the stopped holder's lease expired").isPresent();
      assertThat(((Lease) next.get()).token()).isGreaterThan(held);

      signal("CONT", victim.process().pid());
      assertThat(victim.awaitLineStartingWith("lost")).isEqualTo("lost, held: false");
      assertThat(askIsHeld(victim)).isEqualTo("isHeld false");
      next.get().close();
      Figures.record("StoppedHolderTest: permit taken %d ms after SIGSTOP of its holder"
          + " (lease %d ms)%n", millis, LEASE_MILLIS);
      assertThat(millis).isLessThanOrEqualTo(LEASE_MILLIS + SLACK_MILLIS);
    }
  }

  @Test
  void aWaiterStoppedRightAfterAHandoverBelievesItHoldsNoLongerThanPostgresDoes()
      throws Exception {
    try (PostgresSemaphore semaphore = semaphore("handed");
        ForkedJvm victim = holdOne("handed")) {
      Lease first = semaphore.acquire();
      Await.waiting(semaphore, 1); // the victim's ticket is queued

      long handedAt = System.nanoTime();
      first.close(); // hands the permit to the victim's ticket
      long handed = Long.parseLong(victim.awaitLineStartingWith("held ").substring(5));
      signal("STOP", victim.process().pid());

      Optional<Permit> next = semaphore.tryAcquire(Duration.ofSeconds(20));
      long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - handedAt);
      assertThat(next).as("the permit, once the stopped victim's lease expired").isPresent();
      assertThat(((Lease) next.get()).token()).isGreaterThan(handed);

      signal("CONT", victim.process().pid());
      assertThat(askIsHeld(victim))
          .as("the victim's belief once another holder has the permit")
          .isEqualTo("isHeld false");
      next.get().close();
      Figures.record("StoppedHolderTest: permit taken %d ms after the hand-over to a waiter"
          + " stopped at once (lease %d ms)%n", millis, LEASE_MILLIS);
      assertThat(millis).isLessThanOrEqualTo(LEASE_MILLIS + SLACK_MILLIS);
    }
  }

  private static String askIsHeld(ForkedJvm victim) throws Exception {
    OutputStream stdin = victim.process().getOutputStream();
    stdin.write("isHeld?\n".getBytes(StandardCharsets.UTF_8));
    stdin.flush();
    return victim.awaitLineStartingWith("isHeld ");
  }

  private PostgresSemaphore semaphore(String name) {
    return PostgresSemaphore.builder(pool)
        .name(name)
        .limit(1)
        .lease(Duration.ofMillis(LEASE_MILLIS))
        .build();
  }

  private ForkedJvm holdOne(String name) {
    return ForkedJvm.start(
        PgHoldMain.class.getName(),
        List.of("-XX:TieredStopAtLevel=1"),
        server.jdbcUrl(),
        name,
        "1",
        Long.toString(LEASE_MILLIS));
  }

  private static void signal(String signal, long pid) throws Exception {
    Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(pid)).start();
    assertThat(kill.waitFor()).as("kill -%s %d", signal, pid).isZero();
  }
}
