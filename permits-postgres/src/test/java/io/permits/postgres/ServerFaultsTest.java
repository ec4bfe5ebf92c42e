package io.permits.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import io.permits.tck.Await;
import io.permits.testsupport.Figures;
import io.permits.testsupport.ForkedJvm;
import io.permits.testsupport.PostgresServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Faults of the server while client JVMs ({@link PgWorkerMain}, {@value #WORKERS} JVMs of
 * {@value #THREADS} threads) take and give back the {@value #LIMIT} permits and enter a {@link
 * GuardedResource} with each lease's token: the server stopped (fast, and immediately: as a
 * crash) and started again, and the clients' connections terminated with {@code
 * pg_terminate_backend}. Asserted: never more than the limit inside whose leases were still
 * believed (see {@link GuardedResource}: a stay past a lease's end is the holder's breach, which
 * a fenced resource refuses by token), no token entered twice (the
 * fence survived the restart), the clients go on after the fault, nothing is refused, and once
 * they end every permit is free.
 */
@Timeout(180)
@SuppressWarnings("try") // stopWorkers is only closed
class ServerFaultsTest {

  private static final int LIMIT = 3;
  private static final int WORKERS = 2;
  private static final int THREADS = 4;
  private static final long LEASE_MILLIS = 10_000;
  private static final int ENTRIES = 150; // before the fault, and after it
  private static final Duration PATIENCE = Duration.ofSeconds(60);

  /** What a fault does to the server; it is up again when this returns. */
  private interface Fault {
    void strike(PostgresServer server) throws Exception;
  }

  @Test
  void aFastRestartDuringLoadKeepsTheBoundAndTheTokens() throws Exception {
    underLoad("restart-fast", server -> {
      server.stopFast();
      server.restart();
    });
  }

  @Test
  void anImmediateRestartDuringLoadKeepsTheBoundAndTheTokens() throws Exception {
    underLoad("restart-immediate", server -> {
      server.stopImmediately();
      server.restart();
    });
  }

  @Test
  void terminatedConnectionsDuringLoadKeepTheBoundAndTheTokens() throws Exception {
    underLoad("terminated", server -> {
      for (int i = 0; i < 5; i++) {
        server.psql("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
            + " WHERE application_name = 'permits-worker'");
      }
    });
  }

  private void underLoad(String name, Fault fault) throws Exception {
    List<ForkedJvm> workers = new ArrayList<>();
    try (PostgresServer server = PostgresServer.start();
        GuardedResource resource = GuardedResource.start();
        HikariDataSource pool = Pools.pool(server, 4);
        PostgresSemaphore semaphore =
            PostgresSemaphore.builder(pool).name(name).limit(LIMIT).build();
        AutoCloseable stopWorkers = () -> workers.forEach(ForkedJvm::close)) {
      for (int i = 0; i < WORKERS; i++) {
        workers.add(ForkedJvm.start(PgWorkerMain.class.getName(),
            List.of("-XX:TieredStopAtLevel=1"), server.jdbcUrl(), name, Integer.toString(LIMIT),
            Long.toString(LEASE_MILLIS), Integer.toString(resource.port()),
            Integer.toString(THREADS)));
      }
      for (ForkedJvm worker : workers) {
        worker.awaitLine("ready");
      }
      workers.forEach(worker -> say(worker, "go"));
      long before =
          resource.await(state -> state.entries() >= ENTRIES, ENTRIES + " entries", PATIENCE)
              .entries();

      long struck = System.nanoTime();
      fault.strike(server);
      GuardedResource.Snapshot after =
          resource.await(state -> state.entries() >= before + ENTRIES,
              ENTRIES + " entries after the fault", PATIENCE);
      long millis = (System.nanoTime() - struck) / 1_000_000;

      List<String> done = new ArrayList<>();
      for (ForkedJvm worker : workers) {
        worker.process().getOutputStream().close(); // ends its loop
      }
      for (ForkedJvm worker : workers) {
        done.add(worker.awaitLineStartingWith("done "));
        assertThat(worker.awaitExit()).as("worker %d's exit code", worker.process().pid())
            .isZero();
      }
      GuardedResource.Snapshot end = resource.snapshot();
      Figures.record("ServerFaultsTest %s: %d entries before, %d more within %d ms of the"
          + " fault; workers: %s%n", name, before, after.entries() - before, millis, done);
      Figures.record("ServerFaultsTest %s: most inside at once %d, of stays still believed at"
          + " their exit %d; stays whose lease ran out inside %d", name, end.maxInside(),
          end.maxBelieved(), end.lostInside());
      assertThat(end.maxBelieved()).as("most inside at once, still believed").isLessThanOrEqualTo(LIMIT);
      assertThat(end.twice()).as("tokens entered twice").isEmpty();
      assertThat(end.inside()).as("inside at the end").isZero();
      assertThat(done).allSatisfy(line -> assertThat(line).endsWith(" refused 0"));
      Await.state(semaphore, LIMIT, 0);
    }
  }

  private static void say(ForkedJvm client, String line) {
    try {
      client.process().getOutputStream().write((line + "\n").getBytes(StandardCharsets.UTF_8));
      client.process().getOutputStream().flush();
    } catch (IOException failed) {
      throw new UncheckedIOException(failed);
    }
  }
}
