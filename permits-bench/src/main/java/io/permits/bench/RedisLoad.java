package io.permits.bench;

import io.lettuce.core.RedisClient;
import io.permits.Permit;
import io.permits.redis.RedisSemaphore;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.redisson.Redisson;
import org.redisson.api.RSemaphore;
import org.redisson.api.RedissonClient;
import org.redisson.config.Config;

/**
 * {@code bin/bench redis}: acquire + release pairs through Redis, permits' {@link RedisSemaphore}
 * and Redisson's {@code RSemaphore} side by side in one run, on a redis-server this tool starts
 * on a free loopback port. For 1 and 16 threads on 4 permits it reports pairs per second and the
 * acquire latency (p50, p99), over several rounds, alternating the two implementations so that
 * both see the same machine; the Markdown report gives the spread and the ratios.
 *
 * <p>Options: {@code --seconds N} per round (default 5), {@code --rounds N} (default 3), {@code
 * --warmup N} seconds (default 5: on 2 busy cores the JIT needs that long to settle; with 2 s
 * the 16-thread figures of both implementations came out lower), {@code --threads 1,16} (the
 * thread counts to run, default both),
 * {@code --commandstats} (after the runs, prints Redis's per-command statistics: calls and
 * microseconds per call of each script command, to see where the server's time goes), {@code
 * --without-redisson} (permits only, e.g. with {@code --commandstats}; no ratios), {@code
 * --clients N} (default 1: the threads share one client; with N, each implementation gets N
 * clients, each with its own connections, and thread t uses client t mod N, so that permits pass
 * between clients through Redis's queue as between processes).
 */
public final class RedisLoad {

  private static final int PERMITS = 4;

  private RedisLoad() {}

  /** One implementation under load. */
  private interface Target extends AutoCloseable {
    String label();

    /**
     * Acquires one permit, holds nothing, releases it, on the client of load thread {@code
     * thread}; returns the acquire's duration (ns).
     */
    long pair(int thread) throws Exception;

    @Override
    void close();
  }

  public static void main(String[] args) throws Exception {
    int seconds = 5;
    int rounds = 3;
    int warmup = 5;
    int[] threadCounts = {1, 16};
    boolean commandStats = false;
    boolean withRedisson = true;
    int clients = 1;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--seconds" -> seconds = Integer.parseInt(args[++i]);
        case "--rounds" -> rounds = Integer.parseInt(args[++i]);
        case "--warmup" -> warmup = Integer.parseInt(args[++i]);
        case "--threads" ->
            threadCounts =
                Arrays.stream(args[++i].split(",")).mapToInt(Integer::parseInt).toArray();
        case "--commandstats" -> commandStats = true;
        case "--without-redisson" -> withRedisson = false;
        case "--clients" -> clients = Integer.parseInt(args[++i]);
        default -> throw new IllegalArgumentException("unknown option " + args[i]);
      }
    }
    Path directory = Files.createTempDirectory("bench-redis");
    int port = freePort();
    Process server = startRedis(directory, port);
    String uri = "redis://127.0.0.1:" + port;
    try {
      StringBuilder report = new StringBuilder();
      report.append("## Redis: acquire + release pairs, 4 permits\n\n");
      report.append(String.format(
          Locale.ROOT,
          "- When: %s; machine: %d processors; load average at start %.2f%n",
          java.time.Instant.now(),
          Runtime.getRuntime().availableProcessors(),
          java.lang.management.ManagementFactory.getOperatingSystemMXBean()
              .getSystemLoadAverage()));
      report.append(String.format(
          "- Settings: %d s warm-up, %d rounds × %d s, implementations alternating; %d"
              + " client(s) per implementation, threads spread over them%n%n",
          warmup, rounds, seconds, clients));
      report.append("| threads | implementation | pairs/s (mean, min–max) | × Redisson |"
          + " acquire p50 | acquire p99 |\n|---:|---|---:|---:|---:|---:|\n");
      for (int threads : threadCounts) {
        List<Result> permits = new ArrayList<>();
        List<Result> redisson = new ArrayList<>();
        try (Target p = permitsTarget(uri, "load-" + threads, clients);
            Target r =
                withRedisson ? redissonTarget(uri, "redisson-load-" + threads, clients) : null) {
          run(p, threads, warmup);
          if (r != null) {
            run(r, threads, warmup);
          }
          for (int round = 0; round < rounds; round++) {
            permits.add(run(p, threads, seconds));
            if (r != null) {
              redisson.add(run(r, threads, seconds));
            }
          }
        }
        double redissonMean = withRedisson ? mean(redisson) : Double.NaN;
        report.append(row(threads, "permits RedisSemaphore", permits, redissonMean));
        if (withRedisson) {
          report.append(row(threads, "Redisson RSemaphore", redisson, redissonMean));
        }
      }
      System.out.print(report);
      if (commandStats) {
        RedisClient client = RedisClient.create(uri);
        try (var connection = client.connect()) {
          System.out.println("\nRedis INFO commandstats (all runs):");
          for (String line : connection.sync().info("commandstats").split("\r?\n")) {
            if (line.startsWith("cmdstat_")) {
              System.out.println("  " + line);
            }
          }
        } finally {
          client.shutdown();
        }
      }
    } finally {
      server.destroyForcibly();
    }
  }

  private record Result(double pairsPerSecond, long p50Nanos, long p99Nanos) {}

  private static Result run(Target target, int threads, int seconds) throws Exception {
    AtomicBoolean stop = new AtomicBoolean();
    CountDownLatch start = new CountDownLatch(1);
    List<long[]> samples = new ArrayList<>();
    long[] counts = new long[threads];
    List<Thread> workers = new ArrayList<>();
    Throwable[] failure = new Throwable[1];
    for (int t = 0; t < threads; t++) {
      int index = t;
      long[] mine = new long[1 << 20];
      samples.add(mine);
      workers.add(
          Thread.ofPlatform()
              .name("load-" + t)
              .start(
                  () -> {
                    try {
                      start.await();
                      while (!stop.get()) {
                        long took = target.pair(index);
                        if (counts[index] < mine.length) {
                          mine[(int) counts[index]] = took;
                        }
                        counts[index]++;
                      }
                    } catch (Throwable e) {
                      failure[0] = e;
                    }
                  }));
    }
    long began = System.nanoTime();
    start.countDown();
    TimeUnit.SECONDS.sleep(seconds); // the measured interval of a load run, not an ordering
    stop.set(true);
    for (Thread worker : workers) {
      worker.join();
    }
    long elapsed = System.nanoTime() - began;
    if (failure[0] != null) {
      throw new IllegalStateException(target.label() + " failed", failure[0]);
    }
    long total = Arrays.stream(counts).sum();
    long kept = 0;
    for (int t = 0; t < threads; t++) {
      kept += Math.min(counts[t], samples.get(t).length);
    }
    long[] all = new long[(int) kept];
    int at = 0;
    for (int t = 0; t < threads; t++) {
      int n = (int) Math.min(counts[t], samples.get(t).length);
      System.arraycopy(samples.get(t), 0, all, at, n);
      at += n;
    }
    Arrays.sort(all);
    long p50 = all.length == 0 ? 0 : all[all.length / 2];
    long p99 = all.length == 0 ? 0 : all[(int) Math.min(all.length - 1, all.length * 99L / 100)];
    return new Result(total / (elapsed / 1e9), p50, p99);
  }

  private static String row(int threads, String label, List<Result> results, double peer) {
    double mean = mean(results);
    double min = results.stream().mapToDouble(Result::pairsPerSecond).min().orElse(0);
    double max = results.stream().mapToDouble(Result::pairsPerSecond).max().orElse(0);
    long p50 = results.stream().mapToLong(Result::p50Nanos).sorted().toArray()[results.size() / 2];
    long p99 = results.stream().mapToLong(Result::p99Nanos).sorted().toArray()[results.size() / 2];
    return String.format(
        Locale.ROOT,
        "| %d | %s | %,.0f (%,.0f–%,.0f) | %.2f× | %.0f µs | %.0f µs |%n",
        threads, label, mean, min, max, mean / peer, p50 / 1e3, p99 / 1e3);
  }

  private static double mean(List<Result> results) {
    return results.stream().mapToDouble(Result::pairsPerSecond).average().orElse(0);
  }

  private static Target permitsTarget(String uri, String name, int clients) {
    RedisClient[] redisClients = new RedisClient[clients];
    RedisSemaphore[] semaphores = new RedisSemaphore[clients];
    for (int c = 0; c < clients; c++) {
      redisClients[c] = RedisClient.create(uri);
      semaphores[c] =
          RedisSemaphore.builder(redisClients[c])
              .name(name)
              .limit(PERMITS)
              .lease(Duration.ofSeconds(30))
              .build();
    }
    return new Target() {
      @Override
      public String label() {
        return "permits";
      }

      @Override
      public long pair(int thread) throws Exception {
        long start = System.nanoTime();
        Permit permit = semaphores[thread % clients].acquire();
        long took = System.nanoTime() - start;
        permit.close();
        return took;
      }

      @Override
      public void close() {
        for (int c = 0; c < clients; c++) {
          semaphores[c].close();
          redisClients[c].shutdown();
        }
      }
    };
  }

  private static Target redissonTarget(String uri, String name, int clients) {
    RedissonClient[] redissonClients = new RedissonClient[clients];
    RSemaphore[] semaphores = new RSemaphore[clients];
    for (int c = 0; c < clients; c++) {
      Config config = new Config();
      config.useSingleServer().setAddress(uri).setConnectionPoolSize(64)
          .setConnectionMinimumIdleSize(16);
      redissonClients[c] = Redisson.create(config);
      semaphores[c] = redissonClients[c].getSemaphore(name);
    }
    semaphores[0].trySetPermits(PERMITS);
    return new Target() {
      @Override
      public String label() {
        return "redisson";
      }

      @Override
      public long pair(int thread) throws Exception {
        RSemaphore semaphore = semaphores[thread % clients];
        long start = System.nanoTime();
        semaphore.acquire();
        long took = System.nanoTime() - start;
        semaphore.release();
        return took;
      }

      @Override
      public void close() {
        for (RedissonClient client : redissonClients) {
          client.shutdown();
        }
      }
    };
  }

  private static Process startRedis(Path directory, int port) throws IOException {
    Process process =
        new ProcessBuilder(
                "redis-server", "--port", Integer.toString(port), "--bind", "127.0.0.1",
                "--dir", directory.toString(), "--save", "", "--appendonly", "no")
            .redirectErrorStream(true)
            .redirectOutput(directory.resolve("redis.log").toFile())
            .start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (System.nanoTime() < deadline) {
      try (Socket socket = new Socket()) {
        socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
        return process;
      } catch (IOException notYet) {
        if (!process.isAlive()) {
          throw new IOException("redis-server exited; is it installed? (apt-get install redis-server)");
        }
      }
    }
    throw new IOException("redis-server did not start on port " + port);
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }
}
