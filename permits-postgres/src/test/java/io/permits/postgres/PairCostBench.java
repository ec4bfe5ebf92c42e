package io.permits.postgres;

import com.sun.management.OperatingSystemMXBean;
import com.zaxxer.hikari.HikariDataSource;
import io.permits.testsupport.PostgresServer;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Where a pair's time goes, one thread: a ladder of pairs of round trips on one pool, each rung
 * adding one kind of work, measured side by side (rounds, each rung in turn) with the wall time,
 * the server's CPU time (its processes' user and system time, from /proc) and this JVM's CPU time
 * per pair. The rungs: two {@code SELECT 1} (the floor of {@code bin/bench postgres}); two
 * single-row {@code UPDATE}s, each a durable commit; the rows a grant and a release must write
 * (the semaphore's row and a lease: an UPDATE with an INSERT, an UPDATE with a DELETE) as two bare
 * statements, on tables like the schema's; and {@link PostgresSemaphore}'s acquire and release.
 * Run by hand ({@code bin/mvn test -pl permits-postgres -am -Dtest=PairCostBench
 * -Dsurefire.failIfNoSpecifiedTests=false}); not by the suite. docs/benchmarks.md reads it.
 */
class PairCostBench {

  private static final long WARMUP_MILLIS = Long.getLong("permits.bench.warmup", 1) * 1000;
  private static final long MEASURED_MILLIS = Long.getLong("permits.bench.seconds", 3) * 1000;
  private static final int ROUNDS = Integer.getInteger("permits.bench.rounds", 3);
  private static final long TICK_NANOS = 10_000_000; // /proc's clock ticks: 100 per second

  private interface Pair {
    void run() throws Exception;
  }

  private record Rung(String name, Pair pair) {}

  private record Sample(double pairsPerSecond, double wallMicros, double serverMicros,
      double clientMicros) {}

  @Test
  void ladder() throws Exception {
    try (PostgresServer server = PostgresServer.start();
        HikariDataSource pool = Pools.pool(server, 3)) {
      server.psql("CREATE SCHEMA rows;"
          + " CREATE TABLE rows.one (id integer PRIMARY KEY, n bigint NOT NULL);"
          + " INSERT INTO rows.one VALUES (1, 0);"
          + " CREATE TABLE rows.semaphores (name text PRIMARY KEY, used integer NOT NULL,"
          + "   fence bigint NOT NULL);"
          + " INSERT INTO rows.semaphores VALUES ('rows', 0, 0);"
          + " CREATE TABLE rows.leases (semaphore text, id text, permits integer NOT NULL,"
          + "   token bigint NOT NULL, expires_at timestamptz NOT NULL,"
          + "   granted_at timestamptz NOT NULL, holder text NOT NULL,"
          + "   PRIMARY KEY (semaphore, id));"
          + " CREATE INDEX ON rows.leases (semaphore COLLATE \"C\", expires_at);");
      PostgresSemaphore semaphore =
          PostgresSemaphore.builder(pool).name("ladder").limit(4).build();
      String who = HolderRows.describeThisProcess(null);
      AtomicLong ids = new AtomicLong();
      List<Rung> rungs = List.of(
          new Rung("2 × `SELECT 1` (the floor)", () -> {
            statement(pool, "SELECT 1");
            statement(pool, "SELECT 1");
          }),
          new Rung("2 × one-row `UPDATE` (two durable commits)", () -> {
            statement(pool, "UPDATE rows.one SET n = n + 1 WHERE id = 1");
            statement(pool, "UPDATE rows.one SET n = n + 1 WHERE id = 1");
          }),
          new Rung("the rows of a pair as 2 bare statements", () -> {
            String id = "row:" + ids.incrementAndGet();
            long token;
            try (Connection connection = pool.getConnection();
                PreparedStatement grant = connection.prepareStatement(
                    "WITH s AS (UPDATE rows.semaphores SET used = used + 1, fence = fence + 1"
                        + " WHERE name = 'rows' RETURNING fence)"
                        + " INSERT INTO rows.leases SELECT 'rows', ?, 1, s.fence,"
                        + " clock_timestamp() + interval '30 s', clock_timestamp(), ? FROM s"
                        + " RETURNING token")) {
              grant.setString(1, id);
              grant.setString(2, who);
              try (ResultSet row = grant.executeQuery()) {
                row.next();
                token = row.getLong(1);
              }
            }
            try (Connection connection = pool.getConnection();
                PreparedStatement release = connection.prepareStatement(
                    "WITH s AS (UPDATE rows.semaphores SET used = used - 1 WHERE name = 'rows'"
                        + " RETURNING used)"
                        + " DELETE FROM rows.leases WHERE semaphore = 'rows' AND id = ?"
                        + " AND token = ? AND EXISTS (SELECT FROM s)")) {
              release.setString(1, id);
              release.setLong(2, token);
              release.executeUpdate();
            }
          }),
          new Rung("`PostgresSemaphore` acquire + release", () -> semaphore.acquire().close()));

      List<List<Sample>> samples = new ArrayList<>();
      rungs.forEach(rung -> samples.add(new ArrayList<>()));
      for (int round = 0; round < ROUNDS; round++) {
        for (int i = 0; i < rungs.size(); i++) {
          samples.get(i).add(measure(server, rungs.get(i).pair()));
        }
      }
      semaphore.close();

      StringBuilder table = new StringBuilder(
          "| pair | pairs/s | µs per pair | server CPU µs | client CPU µs | × floor |\n"
              + "|---|---:|---:|---:|---:|---:|\n");
      double floor = median(samples.get(0).stream().mapToDouble(Sample::wallMicros).toArray());
      for (int i = 0; i < rungs.size(); i++) {
        List<Sample> rung = samples.get(i);
        double wall = median(rung.stream().mapToDouble(Sample::wallMicros).toArray());
        table.append(String.format("| %s | %s | %.1f | %.1f | %.1f | %.2f |%n",
            rungs.get(i).name(),
            range(rung.stream().mapToDouble(Sample::pairsPerSecond).toArray()), wall,
            median(rung.stream().mapToDouble(Sample::serverMicros).toArray()),
            median(rung.stream().mapToDouble(Sample::clientMicros).toArray()), wall / floor));
      }
      System.out.println("\nOne thread, " + ROUNDS + " rounds of " + MEASURED_MILLIS / 1000
          + " s after " + WARMUP_MILLIS / 1000 + " s, medians (pairs/s: lowest-highest):\n\n"
          + table);
    }
  }

  private static void statement(HikariDataSource pool, String sql) throws SQLException {
    try (Connection connection = pool.getConnection();
        PreparedStatement statement = connection.prepareStatement(sql)) {
      statement.execute();
    }
  }

  private static Sample measure(PostgresServer server, Pair pair) throws Exception {
    OperatingSystemMXBean os =
        (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    long end = System.nanoTime() + WARMUP_MILLIS * 1_000_000;
    while (System.nanoTime() - end < 0) {
      pair.run();
    }
    long serverBefore = serverTicks(server);
    long clientBefore = os.getProcessCpuTime();
    long start = System.nanoTime();
    end = start + MEASURED_MILLIS * 1_000_000;
    long pairs = 0;
    while (System.nanoTime() - end < 0) {
      pair.run();
      pairs++;
    }
    long nanos = System.nanoTime() - start;
    long serverTicks = serverTicks(server) - serverBefore;
    long clientNanos = os.getProcessCpuTime() - clientBefore;
    return new Sample(pairs * 1e9 / nanos, nanos / 1e3 / pairs,
        serverTicks * TICK_NANOS / 1e3 / pairs, clientNanos / 1e3 / pairs);
  }

  /** User and system clock ticks of the server's processes (the postmaster's descendants). */
  private static long serverTicks(PostgresServer server) {
    ProcessHandle postmaster = server.postmaster().orElseThrow();
    long ticks = 0;
    List<ProcessHandle> all = new ArrayList<>(postmaster.descendants().toList());
    all.add(postmaster);
    for (ProcessHandle process : all) {
      try {
        String stat = Files.readString(Path.of("/proc/" + process.pid() + "/stat"));
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        ticks += Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
      } catch (IOException | RuntimeException gone) {
        // a process that ended meanwhile
      }
    }
    return ticks;
  }

  private static double median(double[] values) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    int n = sorted.length;
    return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
  }

  private static String range(double[] values) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    return String.format("%,.0f (%,.0f–%,.0f)", median(sorted), sorted[0],
        sorted[sorted.length - 1]);
  }
}
