package io.permits.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.permits.Lease;
import io.permits.Permit;
import io.permits.tck.Await;
import io.permits.testsupport.ForkedJvm;
import io.permits.testsupport.RedisServer;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Leases, tokens and faults: each test starts its own redis-server. */
@Timeout(90)
@SuppressWarnings("try") // permits held by try blocks that do not use them
class RedisFaultTest {

  private final RedisServer server = RedisServer.startWithAppendOnlyFile();

  @AfterEach
  void stopRedis() {
    server.close();
  }

  private RedisSemaphore semaphore(String name, int limit, Duration lease) {
    return RedisSemaphore.builder(server.uri()).name(name).limit(limit).lease(lease).build();
  }

  @Test
  void tokensStrictlyIncreaseAcrossClients() throws Exception {
    try (RedisSemaphore a = semaphore("tokens", 2, Duration.ofSeconds(10));
        RedisSemaphore b = semaphore("tokens", 2, Duration.ofSeconds(10))) {
      long last = 0;
      for (int i = 0; i < 20; i++) {
        try (Lease lease = (i % 2 == 0 ? a : b).acquire()) {
          assertThat(lease.token()).isGreaterThan(last);
          last = lease.token();
          assertThat(lease.isHeld()).isTrue();
          assertThat(lease.remaining()).isPositive();
        }
      }
    }
  }

  @Test
  void aHolderKilledWithSigkillGivesItsPermitBackWithinOneLease() throws Exception {
    long leaseMillis = 1_000;
    try (RedisSemaphore semaphore = semaphore("killed", 1, Duration.ofMillis(leaseMillis));
        ForkedJvm holder =
            ForkedJvm.start(
                RedisHoldMain.class, server.uri(), "killed", "1", Long.toString(leaseMillis))) {
      awaitHeld(holder);
      assertThat(semaphore.tryAcquire()).isEmpty();

      holder.kill();
      Optional<Permit> taken = semaphore.tryAcquire(Duration.ofSeconds(20));

      assertThat(taken).isPresent();
      taken.get().close();
    }
  }

  @Test
  void aWaiterKilledBeforeAReleaseHandsItThePermitGivesItBackByItsTicketsDeadline()
      throws Exception {
    // 30 s leases everywhere: the permit must come back by the dead waiter's ticket deadline
    // (about a second after its last refresh), not after a lease; tryAcquire gives up at 20 s
    try (RedisSemaphore semaphore = semaphore("dead-waiter", 1, Duration.ofSeconds(30));
        ForkedJvm waiter =
            ForkedJvm.start(RedisHoldMain.class, server.uri(), "dead-waiter", "1", "30000")) {
      Lease held = semaphore.acquire();
      Await.waiting(semaphore, 1); // the other JVM's ticket is queued
      waiter.kill();

      held.close(); // hands the permit to the dead waiter's ticket, if still within its deadline
      Optional<Permit> taken = semaphore.tryAcquire(Duration.ofSeconds(20));

      assertThat(taken).isPresent();
      assertThat(((Lease) taken.get()).token()).isGreaterThan(held.token());
      taken.get().close();
    }
  }

  @Test
  void aHolderStoppedPastItsLeaseSeesItLostAndALaterTokenWins() throws Exception {
    long leaseMillis = 1_000;
    FencedResource resource = new FencedResource();
    try (RedisSemaphore semaphore = semaphore("stopped", 1, Duration.ofMillis(leaseMillis));
        ForkedJvm holder =
            ForkedJvm.start(
                RedisHoldMain.class, server.uri(), "stopped", "1", Long.toString(leaseMillis))) {
      long stale = awaitHeld(holder);
      resource.write(stale);
      signal("STOP", holder.process().pid());

      try (Lease lease = semaphore.acquire()) { // after the stopped holder's lease ends
        assertThat(lease.token()).isGreaterThan(stale);
        assertThat(resource.write(lease.token())).isTrue();

        signal("CONT", holder.process().pid());
        holder.awaitLine("lost, held: false");
        assertThat(resource.write(stale)).as("the stale holder is fenced off").isFalse();
      }
    }
  }

  @Test
  void clientsRecoverFromAServerKilledAndRestartedWithItsAppendOnlyFile() throws Exception {
    try (RedisSemaphore semaphore = semaphore("restart", 2, Duration.ofSeconds(30))) {
      Lease held = semaphore.acquire();
      server.kill();
      server.restart();

      // the holder is still recorded: one permit left, and the token counter went on
      Await.until(() -> availableOrMinusOne(semaphore) == 1, () -> "never reconnected");
      try (Lease next = semaphore.acquire()) {
        assertThat(next.token()).isGreaterThan(held.token());
        assertThat(semaphore.tryAcquire()).isEmpty();
      }
      held.close();
      assertThat(semaphore.available()).isEqualTo(2);
    }
  }

  @Test
  void scriptsComeBackAfterScriptFlushAndConnectionsAfterClientKill() throws Exception {
    RedisClient admin = RedisClient.create(server.uri());
    try (StatefulRedisConnection<String, String> connection = admin.connect();
        RedisSemaphore semaphore = semaphore("flush", 1, Duration.ofSeconds(30))) {
      semaphore.acquire().close();
      connection.sync().scriptFlush();
      try (Permit afterFlush = semaphore.acquire()) {
        assertThat(semaphore.available()).isZero();
      }
      connection.sync().clientKill(io.lettuce.core.KillArgs.Builder.typeNormal().skipme());
      Await.until(() -> availableOrMinusOne(semaphore) == 1, () -> "never reconnected");
      try (Permit afterKill = semaphore.acquire()) {
        assertThat(semaphore.available()).isZero();
      }
    } finally {
      admin.shutdown();
    }
  }

  @Test
  void aLimitReadAfterTheKeysWereLostMakesThemAgainFromTheClientsLimit() throws Exception {
    RedisClient admin = RedisClient.create(server.uri());
    try (StatefulRedisConnection<String, String> connection = admin.connect();
        RedisSemaphore semaphore = semaphore("lost-keys", 3, Duration.ofSeconds(30))) {
      connection.sync().flushall(); // as a restart without persistence leaves it
      assertThat(semaphore.limit()).isEqualTo(3);
      assertThat(connection.sync().get("{permits:lost-keys}:limit")).isEqualTo("3");
      assertThat(semaphore.available()).isEqualTo(3);
    } finally {
      admin.shutdown();
    }
  }

  @Test
  void aLimitRaisedByAnotherClientIsSeenByTheNextLargeRequest() throws Exception {
    try (RedisSemaphore a = semaphore("raised", 2, Duration.ofSeconds(10));
        RedisSemaphore b = semaphore("raised", 2, Duration.ofSeconds(10))) {
      b.setLimit(5);
      try (Permit four = a.tryAcquire(4).orElseThrow()) {
        assertThat(four.permits()).isEqualTo(4);
        assertThat(b.tryAcquire(2)).isEmpty();
      }
      assertThat(a.limit()).isEqualTo(5);
    }
  }

  @Test
  void badInputFailsClearly() throws Exception {
    assertThatThrownBy(() -> RedisSemaphore.builder("http://nope"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'http://nope'");
    assertThatThrownBy(() -> RedisSemaphore.builder(server.uri()).name("a b"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'a b'");
    try (RedisSemaphore two = semaphore("mismatch", 2, Duration.ofSeconds(5))) {
      assertThatThrownBy(() -> semaphore("mismatch", 3, Duration.ofSeconds(5)))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("has limit 2 in Redis, not 3");
    }
    RedisClient admin = RedisClient.create(server.uri());
    try (StatefulRedisConnection<String, String> connection = admin.connect()) {
      connection.sync().lpush("{permits:typo}:holders", "not a sorted set");
      connection.sync().set("{permits:typo}:limit", "2");
      try (RedisSemaphore typo = semaphore("typo", 2, Duration.ofSeconds(5))) {
        assertThatThrownBy(typo::acquire)
            .isInstanceOf(RedisSemaphoreException.class)
            .hasMessageContaining("semaphore 'typo'")
            .hasMessageContaining("WRONGTYPE");
      }
    } finally {
      admin.shutdown();
    }
  }

  @Test
  void withRedisDownOperationsFailAfterTheClientsTimeoutAndNothingHangs() throws Exception {
    io.lettuce.core.RedisURI uri = io.lettuce.core.RedisURI.create(server.uri());
    uri.setTimeout(Duration.ofMillis(500));
    RedisClient client = RedisClient.create(uri);
    try (RedisSemaphore semaphore =
        RedisSemaphore.builder(client).name("down").limit(2).build()) {
      Lease held = semaphore.acquire();
      server.kill();

      assertThatThrownBy(semaphore::tryAcquire)
          .isInstanceOf(RedisSemaphoreException.class)
          .hasMessageContaining("semaphore 'down': acquire failed");
      assertThatThrownBy(semaphore::available)
          .isInstanceOf(RedisSemaphoreException.class)
          .hasMessageContaining("semaphore 'down'");
      held.close(); // never throws: unreachable, the lease expires in Redis
      assertThat(held.isHeld()).as("let go here; it expires in Redis").isFalse();
    } finally {
      client.shutdown();
    }
  }

  private static int availableOrMinusOne(RedisSemaphore semaphore) {
    try {
      return semaphore.available();
    } catch (RuntimeException notYet) {
      return -1;
    }
  }

  /** Waits for the holder's "held TOKEN" line; returns the token. */
  private static long awaitHeld(ForkedJvm holder) throws InterruptedException {
    return Long.parseLong(holder.awaitLineStartingWith("held ").substring("held ".length()));
  }

  private static void signal(String signal, long pid) throws Exception {
    Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(pid)).start();
    assertThat(kill.waitFor()).isZero();
  }

  /** A resource that admits a write only with a token at least the highest seen (fencing). */
  static final class FencedResource {
    private long highest;

    boolean write(long token) {
      if (token < highest) {
        return false;
      }
      highest = token;
      return true;
    }
  }
}
