package io.permits.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.permits.Permit;
import io.permits.tck.Await;
import io.permits.testsupport.Figures;
import io.permits.testsupport.RedisServer;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A soak of {@link #SOAK}: {@value #CLIENTS} clients of {@value #THREADS} threads each reach Redis
 * through a {@link HoldingProxy} that cuts every connection at random (every 100 to 600 ms,
 * alternately with a FIN and a reset; the replies of the last few ms before each cut are lost)
 * while the threads acquire, enter a guarded resource, leave and release. Failures of requests
 * cut on their way are expected. Asserted: never more than the limit inside the resource;
 * afterwards {@code used} equals the records' permits, and with every lease closed it is 0 and
 * all permits are available; and the permits kept moving.
 */
@Timeout(180)
class ConnectionCutSoakTest {

  private static final Duration SOAK = Duration.ofSeconds(60);
  private static final int CLIENTS = 2;
  private static final int THREADS = 8;
  private static final int LIMIT = 4;
  private static final long MIN_GRANTS = 100;
  private static final int MUTE_MILLIS = 20;

  private final RedisServer server = RedisServer.start();
  private final long seed = Long.getLong("permits.soak.seed", System.nanoTime());
  private final AtomicInteger inside = new AtomicInteger();
  private final AtomicInteger maxInside = new AtomicInteger();
  private final AtomicLong grants = new AtomicLong();
  private final AtomicLong failures = new AtomicLong(); // RedisSemaphoreException: expected
  private final AtomicLong finCuts = new AtomicLong();
  private final AtomicLong resetCuts = new AtomicLong();
  private final AtomicReference<Throwable> unexpected = new AtomicReference<>();
  private final CountDownLatch failed = new CountDownLatch(1);
  private volatile boolean stopping;

  @AfterEach
  void stopRedis() {
    server.close();
  }

  @Test
  void permitsStayWithinTheLimitAndAreAllCountedBackWhileConnectionsAreCutAtRandom()
      throws Exception {
    Logger lettuce = Logger.getLogger("io.lettuce.core"); // a line and a trace for every cut
    Level level = lettuce.getLevel();
    lettuce.setLevel(Level.WARNING);
    List<RedisClient> clients = new ArrayList<>();
    List<RedisSemaphore> semaphores = new ArrayList<>();
    List<Thread> threads = new ArrayList<>();
    ScheduledExecutorService cutter = Executors.newSingleThreadScheduledExecutor();
    try (HoldingProxy proxy = new HoldingProxy(URI.create(server.uri()).getPort());
        SemaphoreKeys keys = new SemaphoreKeys(server.uri(), "soak")) {
      for (int c = 0; c < CLIENTS; c++) {
        RedisURI uri = RedisURI.create(proxy.uri());
        uri.setTimeout(Duration.ofSeconds(2));
        clients.add(RedisClient.create(uri));
        RedisSemaphore semaphore =
            RedisSemaphore.builder(clients.get(c))
                .name("soak")
                .limit(LIMIT)
                .lease(Duration.ofSeconds(5))
                .build();
        semaphores.add(semaphore);
        for (int t = 0; t < THREADS; t++) {
          threads.add(
              Thread.ofPlatform().name("soak-" + c + "-" + t).start(() -> work(semaphore)));
        }
      }
      Random random = new Random(seed);
      cutter.schedule(() -> cut(proxy, random, cutter), 100, TimeUnit.MILLISECONDS);

      failed.await(SOAK.toMillis(), TimeUnit.MILLISECONDS); // returns early if a thread failed
      cutter.shutdownNow();
      assertThat(cutter.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
      stopping = true;
      for (Thread thread : threads) {
        thread.join();
      }

      String run = describe();
      Figures.record("redis ConnectionCutSoakTest: %s (limit %d)", run, LIMIT);
      assertThat(unexpected.get()).as("an unexpected failure; %s", run).isNull();
      assertThat(maxInside.get())
          .as("most threads inside at once; %s", run)
          .isLessThanOrEqualTo(LIMIT);
      Await.until(
          () -> keys.used() == keys.recordedPermits(),
          () -> "used equal to the records' permits; " + keys.describe() + "; " + run);
      Await.until(
          // available() first: its script purges a lease that expired instead of being released
          () -> semaphores.get(0).available() == LIMIT && keys.used() == 0,
          () -> "every permit back with every lease closed; " + keys.describe() + "; " + run);
      assertThat(grants.get()).as("grants; %s", run).isGreaterThan(MIN_GRANTS);
    } finally {
      cutter.shutdownNow();
      stopping = true;
      semaphores.forEach(RedisSemaphore::close);
      clients.forEach(RedisClient::shutdown);
      lettuce.setLevel(level);
    }
  }

  /** One thread's loop: acquire, use the guarded resource, release. */
  private void work(RedisSemaphore semaphore) {
    while (!stopping) {
      try {
        Optional<Permit> permit = semaphore.tryAcquire(Duration.ofSeconds(1));
        if (permit.isPresent()) {
          try (Permit held = permit.get()) {
            maxInside.accumulateAndGet(inside.incrementAndGet(), Math::max);
            Thread.yield(); // a moment inside, for others to overlap
            inside.decrementAndGet();
            grants.incrementAndGet();
          }
        }
      } catch (RedisSemaphoreException cutOnItsWay) {
        failures.incrementAndGet();
      } catch (Throwable other) {
        unexpected.compareAndSet(null, other);
        failed.countDown();
        return;
      }
    }
  }

  /**
   * Mutes the replies of every connection for up to {@value #MUTE_MILLIS} ms (commands run, their
   * replies are lost), then cuts them all, with a FIN or a reset in turn, and schedules the next.
   */
  private void cut(HoldingProxy proxy, Random random, ScheduledExecutorService cutter) {
    proxy.muteReplies();
    cutter.schedule(
        () -> {
          if ((finCuts.get() + resetCuts.get()) % 2 == 0) {
            proxy.finishAll();
            finCuts.incrementAndGet();
          } else {
            proxy.dropAll();
            resetCuts.incrementAndGet();
          }
          cutter.schedule(
              () -> cut(proxy, random, cutter), 100 + random.nextInt(501), TimeUnit.MILLISECONDS);
        },
        random.nextInt(MUTE_MILLIS + 1),
        TimeUnit.MILLISECONDS);
  }

  private String describe() {
    return "seed " + seed + " (-Dpermits.soak.seed), " + grants + " grants, " + failures
        + " RedisSemaphoreExceptions, " + finCuts + " FIN and " + resetCuts + " RST cuts, at most "
        + maxInside + " inside";
  }
}
