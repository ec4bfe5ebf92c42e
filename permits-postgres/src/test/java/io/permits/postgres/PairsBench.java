package io.permits.postgres;

import com.zaxxer.hikari.HikariDataSource;
import io.permits.Permit;
import io.permits.Semaphore;
import io.permits.redis.RedisSemaphore;
import io.permits.testsupport.PostgresServer;
import io.permits.testsupport.RedisServer;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
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
 */
class PairsBench {

  private static final Duration WARMUP =
      Duration.ofSeconds(Long.getLong("permits.bench.warmup", 3));
  private static final Duration MEASURED =
      Duration.ofSeconds(Long.getLong("permits.bench.seconds", 5));
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
          double pgRate = measure(pg, shape.threads());
          double redisRate = measure(rd, shape.threads());
          double floorRate = measure(floor, shape.threads());
          report.append(String.format("| %s | %.0f | %.0f | %.0f | %.2f | %.2f |%n",
              shape.name(), pgRate, redisRate, floorRate, pgRate / floorRate,
              pgRate / redisRate));
        } finally {
          semaphores.forEach(Semaphore::close);
          pools.forEach(HikariDataSource::close);
        }
      }
    }
    System.out.println("\nPairs per second (acquire + release), " + PERMITS + " permits, "
        + MEASURED.toSeconds() + " s measured after " + WARMUP.toSeconds() + " s warm-up, "
        + Runtime.getRuntime().availableProcessors() + " processors:\n\n" + report);
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
