package io.permits.redis;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.permits.testsupport.RedisServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A measurement, not a test: the server's time per grant (a release handing its permit to the
 * head ticket, see {@link SyntheticQueue}) with 10 and with 1,000 tickets queued, from {@code INFO
 * commandstats} ({@code cmdstat_evalsha}'s usec over calls, after {@code CONFIG RESETSTAT}): the
 * script's whole run on the server, no network, no client. Runs alternate the lengths; each
 * starts from a fresh state, makes 200 grants unmeasured (the first loads the script), then
 * {@code permits.grantwork.grants} (default 20,000) measured; {@code permits.grantwork.rounds}
 * (default 5) runs per length; {@code permits.grantwork.lengths} (default 10,1000) the queue
 * lengths. Prints a Markdown report (median and range per length) and writes it to
 * target/grant-work-bench.md.
 *
 * <p>Not run by {@code mvn verify} (its name does not end in Test); run it with {@code bin/bench
 * redis-queue}, or {@code bin/mvn -B -q -ntp test -pl permits-redis -am -Dtest=GrantWorkBench
 * -Dsurefire.failIfNoSpecifiedTests=false}, either with e.g. {@code
 * -Dpermits.grantwork.lengths=10,1000,10000}. Measure on a quiet machine: the report gives the
 * load average at its start and end.
 */
@Timeout(value = 30, unit = TimeUnit.MINUTES)
class GrantWorkBench {

  private static final int[] LENGTHS =
      Arrays.stream(System.getProperty("permits.grantwork.lengths", "10,1000").split(","))
          .mapToInt(length -> Integer.parseInt(length.trim()))
          .toArray();
  private static final int WARMUP = 200;
  private static final int GRANTS = Integer.getInteger("permits.grantwork.grants", 20_000);
  private static final int ROUNDS = Integer.getInteger("permits.grantwork.rounds", 5);

  @Test
  void serverTimePerGrant() throws Exception {
    String loadAtStart = loadAverage();
    double[][] usecPerGrant = new double[LENGTHS.length][ROUNDS];
    String version;
    try (RedisServer server = RedisServer.start()) {
      RedisClient client = RedisClient.create(server.uri());
      try {
        try (StatefulRedisConnection<String, String> connection = client.connect()) {
          version = connection.sync().info("server").lines()
              .filter(line -> line.startsWith("redis_version:"))
              .findFirst().orElse("redis_version:?").substring("redis_version:".length()).trim();
        }
        for (int round = 0; round < ROUNDS; round++) {
          for (int l = 0; l < LENGTHS.length; l++) {
            usecPerGrant[l][round] = measure(client, LENGTHS[l]);
            System.err.printf(
                Locale.ROOT, "GrantWorkBench: round %d, queue of %,d: %.2f us per grant%n",
                round + 1, LENGTHS[l], usecPerGrant[l][round]);
          }
        }
      } finally {
        client.shutdown();
      }
    }
    String report = report(usecPerGrant, version, loadAtStart, loadAverage());
    System.out.print(report);
    Files.createDirectories(Path.of("target"));
    Files.writeString(Path.of("target", "grant-work-bench.md"), report);
  }

  /** One run: the server's microseconds per grant on a queue of {@code length}. */
  private static double measure(RedisClient client, int length) throws Exception {
    try (SyntheticQueue queue = new SyntheticQueue(client, "bench", length, 0)) {
      for (int i = 0; i < WARMUP; i++) {
        queue.release(SyntheticQueue.REAL);
      }
      queue.resetStats();
      for (int i = 0; i < GRANTS; i++) {
        queue.release(SyntheticQueue.REAL);
      }
      Map<String, long[]> stats = queue.commandStats();
      long[] script = stats.get("evalsha");
      if (script == null || script[0] != GRANTS || stats.containsKey("eval")) {
        throw new IllegalStateException("expected " + GRANTS + " EVALSHA and no EVAL: " + stats);
      }
      return (double) script[1] / script[0];
    }
  }

  private static String report(
      double[][] usecPerGrant, String version, String loadAtStart, String loadAtEnd) {
    StringBuilder out = new StringBuilder();
    out.append(String.format(Locale.ROOT,
        "## Server time per grant by queue length%n%n"
            + "redis-server %s; %,d grants a run, %d runs a length, alternating; "
            + "load average %s at start, %s at end%n%n"
            + "| queue | median us/grant | range | runs |%n|---:|---:|---:|---|%n",
        version, GRANTS, ROUNDS, loadAtStart, loadAtEnd));
    for (int l = 0; l < LENGTHS.length; l++) {
      double[] runs = usecPerGrant[l];
      double[] sorted = runs.clone();
      Arrays.sort(sorted);
      double median = sorted.length % 2 == 1
          ? sorted[sorted.length / 2]
          : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
      List<String> each = new ArrayList<>();
      for (double run : runs) {
        each.add(String.format(Locale.ROOT, "%.2f", run));
      }
      out.append(String.format(Locale.ROOT, "| %,d | %.2f | %.2f-%.2f | %s |%n",
          LENGTHS[l], median, sorted[0], sorted[sorted.length - 1], String.join(", ", each)));
    }
    return out.toString();
  }

  private static String loadAverage() {
    try {
      String[] fields = Files.readString(Path.of("/proc/loadavg")).trim().split(" ");
      return fields[0] + " " + fields[1] + " " + fields[2];
    } catch (IOException | RuntimeException unavailable) {
      return "unknown";
    }
  }
}
