package io.permits.postgres;

import com.zaxxer.hikari.HikariDataSource;
import io.permits.Semaphore;
import io.permits.redis.RedisSemaphore;
import io.permits.testsupport.PostgresServer;
import io.permits.testsupport.RedisServer;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.Test;

/**
 * Pairs (acquire, release) per second of {@link PostgresSemaphore}, beside {@link
 * RedisSemaphore} and beside the floor of two {@code SELECT 1} round trips per pair on the same
 * pool: 1 thread on 4 permits, 16 threads on 4 permits, and 2 clients (semaphores with pools of
 * their own) × 8 threads on 4 permits. Run by {@code bin/bench postgres}, not by the test suite
 * (its name does not end in Test); prints a Markdown table. Servers of its own on loopback:
 * PostgreSQL with {@code fsync=off} and {@code synchronous_commit=on}, Redis without persistence.
 *
 * <p>The three are measured side by side: in each of {@code permits.bench.rounds} rounds (3),
 * each runs {@code permits.bench.warmup} s (1) unmeasured then {@code permits.bench.seconds} s (3)
 * measured, one after the other, so that a change of the machine's load falls on all three. The
 * table gives each one's median over the rounds with the lowest and highest in brackets, and the
 * ratios' median (lowest–highest) over the rounds, each ratio of figures from the same round.
 */
class PairsBench {

  private static final Duration WARMUP =
      Duration.ofSeconds(Long.getLong("permits.bench.warmup", 1));
  private static final Duration MEASURED =
      Duration.ofSeconds(Long.getLong("permits.bench.seconds", 3));
  private static final int ROUNDS = Integer.getInteger("permits.bench.rounds", 3);
  private static final int PERMITS = 4;

  /** One way of doing a pair, for one client. */
  private interface Pair {
    void run() throws Exception;
  }

  private record Shape(String name, int clients, int threads) {}

  @Test
  void pairsPerSecond() throws Exception {
    List<Shape> shapes =
        List.of(new Shape("1 thread", 1, 1), new Shape("16 threads", 1, 16),
            new Shape("2 clients × 8 threads", 2, 8));
    StringBuilder report = new StringBuilder();
    report.append("| shape | PostgresSemaphore | RedisSemaphore | 2 × SELECT 1 | Postgres / floor"
        + " | Postgres / Redis |\n|---|---|---|---|---|---|\n");
    try (PostgresServer postgres = PostgresServer.start();
        RedisServer redis = RedisServer.start()) {
      int run = 0;
      for (Shape shape : shapes) {
        run++;
        List<HikariDataSource> pools = new ArrayList<>();
        List<Semaphore> semaphores = new ArrayList<>();
        try {
          for (int c = 0; c < shape.clients(); c++) {
            HikariDataSource pool = Pools.pool(postgres, shape.threads() + 2);
            pools.add(pool);
          }
          List<Pair> pg = new ArrayList<>();
          List<Pair> rd = new ArrayList<>();
          List<Pair> floor = new ArrayList<>();
          for (int c = 0; c < shape.clients(); c++) {
            PostgresSemaphore p = PostgresSemaphore.builder(pools.get(c)).name("bench-" + run)
                .limit(PERMITS).build();
            RedisSemaphore r = RedisSemaphore.builder(redis.uri()).name("bench-" + run)
                .limit(PERMITS).build();
            semaphores.add(p);
            semaphores.add(r);
            pg.add(() -> p.acquire().close());
            rd.add(() -> r.acquire().close());
            HikariDataSource pool = pools.get(c);
            floor.add(() -> {
              selectOne(pool);
              selectOne(pool);
            });
          }
          double[] pgRates = new double[ROUNDS];
          double[] redisRates = new double[ROUNDS];
          double[] floorRates = new double[ROUNDS];
          for (int round = 0; round < ROUNDS; round++) {
            pgRates[round] = measure(pg, shape.threads());
            redisRates[round] = measure(rd, shape.threads());
            floorRates[round] = measure(floor, shape.threads());
          }
          double[] toFloor = new double[ROUNDS];
          double[] toRedis = new double[ROUNDS];
          for (int round = 0; round < ROUNDS; round++) {
            toFloor[round] = pgRates[round] / floorRates[round];
            toRedis[round] = pgRates[round] / redisRates[round];
          }
          report.append(String.format("| %s | %s | %s | %s | %s | %s |%n", shape.name(),
              rates(pgRates), rates(redisRates), rates(floorRates), ratios(toFloor),
              ratios(toRedis)));
        } finally {
          semaphores.forEach(Semaphore::close);
          pools.forEach(HikariDataSource::close);
        }
      }
    }
    System.out.println("\nPairs per second (acquire + release), " + PERMITS + " permits, "
        + ROUNDS + " rounds of " + MEASURED.toSeconds() + " s measured after "
        + WARMUP.toSeconds() + " s warm-up each, "
        + Runtime.getRuntime().availableProcessors() + " processors; median (lowest-highest):\n\n"
        + report);
  }

  /** The median of the rounds' pairs/s, with the lowest and highest. */
  private static String rates(double[] rates) {
    double[] sorted = rates.clone();
    Arrays.sort(sorted);
    return String.format("%,.0f (%,.0f–%,.0f)", median(sorted), sorted[0],
        sorted[sorted.length - 1]);
  }

  /** The median of the rounds' ratios, with the lowest and highest. */
  private static String ratios(double[] ratios) {
    double[] sorted = ratios.clone();
    Arrays.sort(sorted);
    return String.format("%.2f (%.2f–%.2f)", median(sorted), sorted[0],
        sorted[sorted.length - 1]);
  }

  private static double median(double[] sorted) {
    int n = sorted.length;
    return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
  }

  private static void selectOne(HikariDataSource pool) throws Exception {
    try (Connection connection = pool.getConnection();
        PreparedStatement select = connection.prepareStatement("SELECT 1");
        ResultSet row = select.executeQuery()) {
      row.next();
    }
  }

  /** Pairs per second with {@code threads} threads per client, each looping over its pair. */
  private static double measure(List<Pair> clients, int threads) throws Exception {
    AtomicBoolean stop = new AtomicBoolean();
    AtomicBoolean counting = new AtomicBoolean();
    LongAdder pairs = new LongAdder();
    List<Thread> all = new ArrayList<>();
    for (Pair pair : clients) {
      for (int t = 0; t < threads; t++) {
        all.add(Thread.ofPlatform().start(() -> {
          try {
            while (!stop.get()) {
              pair.run();
              if (counting.get()) {
                pairs.increment();
              }
            }
          } catch (Exception failed) {
            throw new IllegalStateException(failed);
          }
        }));
      }
    }
    Thread.sleep(WARMUP.toMillis()); // a benchmark's warm-up, not a test's ordering
    counting.set(true);
    long start = System.nanoTime();
    Thread.sleep(MEASURED.toMillis());
    counting.set(false);
    long nanos = System.nanoTime() - start;
    stop.set(true);
    for (Thread thread : all) {
      thread.join();
    }
    return pairs.sum() * 1e9 / nanos;
  }
}
