package io.permits.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.RedisClient;
import io.permits.Lease;
import io.permits.Permit;
import io.permits.tck.Await;
import io.permits.testsupport.Figures;
import io.permits.testsupport.RedisServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * redis-server killed and restarted without persistence while {@value #CLIENTS} clients (each a
 * semaphore on a Lettuce client of its own) acquire and release in loops: the restarted server
 * has no keys, and the clients must re-create them from their configured limit and go on, each
 * acquiring again within {@value #BOUND_MILLIS} ms (+ {@value #SLACK_MILLIS} ms of slack) of the
 * restart, every token after the restart higher than every token before it.
 */
@Timeout(90)
class RestartWithoutPersistenceTest {

  private static final int CLIENTS = 7;
  private static final int LIMIT = 3;
  private static final long BOUND_MILLIS = 2_000;
  private static final long SLACK_MILLIS = 700;

  private enum Phase { BEFORE, DOWN, AFTER }

  private final RedisServer server = RedisServer.start();
  private volatile Phase phase = Phase.BEFORE;
  private volatile long restartedNanos;
  private final AtomicLong highestBefore = new AtomicLong();
  private final AtomicLong lowestAfter = new AtomicLong(Long.MAX_VALUE);
  private final CountDownLatch allAcquiredAfter = new CountDownLatch(CLIENTS);

  /** One client and what it saw. */
  private final class Client {
    final int number;
    final RedisClient lettuce;
    final RedisSemaphore semaphore;
    final AtomicLong grantsBefore = new AtomicLong();
    final AtomicLong firstAfterMillis = new AtomicLong(-1);
    final AtomicReference<String> lastFailure = new AtomicReference<>("none");

    Client(int number, String uri) {
      this.number = number;
      this.lettuce = RedisClient.create(uri);
      this.semaphore =
          RedisSemaphore.builder(lettuce)
              .name("restart")
              .limit(LIMIT)
              .lease(Duration.ofSeconds(10))
              .build();
    }

    void work() {
      while (!Thread.currentThread().isInterrupted()) {
        Phase began = phase;
        try {
          Optional<Permit> permit = semaphore.tryAcquire(Duration.ofSeconds(1));
          if (permit.isPresent()) {
            try (Lease lease = (Lease) permit.get()) {
              granted(began, lease.token());
            }
          }
        } catch (InterruptedException stop) {
          return;
        } catch (RuntimeException failed) { // while Redis is down, and after if it breaks
          lastFailure.set(failed.toString());
        }
      }
    }

    /** A grant: before the kill, or sent after it (so answered by the restarted server). */
    private void granted(Phase began, long token) {
      Phase now = phase;
      if (began == Phase.BEFORE && now == Phase.BEFORE) {
        highestBefore.accumulateAndGet(token, Math::max);
        grantsBefore.incrementAndGet();
      } else if (began != Phase.BEFORE && now == Phase.AFTER) {
        lowestAfter.accumulateAndGet(token, Math::min);
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - restartedNanos);
        if (firstAfterMillis.compareAndSet(-1, millis)) {
          allAcquiredAfter.countDown();
        }
      }
    }

    @Override
    public String toString() {
      return "client " + number + ": "
          + (firstAfterMillis.get() < 0 ? "none" : firstAfterMillis.get() + " ms")
          + " (last failure: " + lastFailure.get() + ")";
    }

    void close() {
      semaphore.close();
      lettuce.shutdown();
    }
  }

  @AfterEach
  void stopRedis() {
    server.close();
  }

  @Test
  void clientsRecreateTheSemaphoreAfterARestartWithoutDataAndTokensKeepRising()
      throws Exception {
    List<Client> clients = new ArrayList<>();
    List<Thread> workers = new ArrayList<>();
    try {
      for (int i = 0; i < CLIENTS; i++) {
        Client client = new Client(i, server.uri());
        clients.add(client);
        workers.add(Thread.ofPlatform().name("restart-worker-" + i).start(client::work));
      }
      Await.until(
          () -> clients.stream().allMatch(c -> c.grantsBefore.get() > 0),
          () -> "every client acquired before the kill");

      phase = Phase.DOWN;
      server.kill();
      server.restart();
      restartedNanos = System.nanoTime();
      phase = Phase.AFTER;

      allAcquiredAfter.await(10, TimeUnit.SECONDS);
      workers.forEach(Thread::interrupt);
      for (Thread worker : workers) {
        worker.join();
      }

      Figures.record("redis RestartWithoutPersistenceTest: each client's first grant %s ms after"
          + " the restart; lowest token after %d, highest before %d",
          clients.stream().map(c -> Long.toString(c.firstAfterMillis.get())).toList(),
          lowestAfter.get(), highestBefore.get());
      assertThat(clients)
          .as("each client's first grant after the restart, in ms from it")
          .allMatch(
              c -> c.firstAfterMillis.get() >= 0
                  && c.firstAfterMillis.get() <= BOUND_MILLIS + SLACK_MILLIS,
              "granted within " + BOUND_MILLIS + " + " + SLACK_MILLIS + " ms");
      assertThat(lowestAfter.get())
          .as("the lowest token after the restart, against the highest before it")
          .isGreaterThan(highestBefore.get());
    } finally {
      workers.forEach(Thread::interrupt);
      clients.forEach(Client::close);
    }
  }
}
