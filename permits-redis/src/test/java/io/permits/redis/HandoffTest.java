package io.permits.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.RedisClient;
import io.permits.Lease;
import io.permits.tck.Await;
import io.permits.tck.Forked;
import io.permits.tck.RedisServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A lease closed while a request of the same JVM waits at the gate is released by the script
 * that grants the waiting request (see {@code Handoffs}): the permits pass on with a new token,
 * never to more holders than the limit, and requests of other clients queued in Redis first keep
 * their turn. The same holds for a thread that closes a lease and asks again at once: its request
 * takes the closed lease's deferred release and asks under its id ({@code
 * DeferredReleases#takeOfSize}). While nobody is queued, both pass the lease on in place
 * (in_place.lua).
 */
@Timeout(60)
class HandoffTest {

  private final RedisServer server = RedisServer.start();

  @AfterEach
  void stopRedis() {
    server.close();
  }

  private RedisSemaphore semaphore(String name, int limit) {
    return RedisSemaphore.builder(server.uri())
        .name(name)
        .limit(limit)
        .lease(Duration.ofSeconds(30))
        .build();
  }

  @Test
  void aLeaseClosedWhileAnotherThreadWaitsPassesOnWithANewTokenAndOneHolder() throws Exception {
    try (RedisSemaphore semaphore = semaphore("pass", 1)) {
      Lease first = semaphore.acquire();
      Forked<Lease> waiter = Forked.start("waiter", semaphore::acquire);
      Await.waiting(semaphore, 1);

      first.close();
      Lease second = waiter.join();

      assertThat(second.token()).isGreaterThan(first.token());
      assertThat(second.isHeld()).isTrue();
      assertThat(semaphore.holders()).hasSize(1);
      assertThat(semaphore.available()).isZero();
      second.close();
      assertThat(semaphore.available()).isEqualTo(1);
      assertThat(semaphore.holders()).isEmpty();
    }
  }

  @Test
  void aWaiterForMorePermitsThanTheClosedLeaseHadIsGrantedOnceAllAreFree() throws Exception {
    try (RedisSemaphore semaphore = semaphore("sizes", 2)) {
      Lease a = semaphore.acquire();
      Lease b = semaphore.acquire();
      Forked<Lease> waiter = Forked.start("waiter for 2", () -> semaphore.acquire(2));
      Await.waiting(semaphore, 1);

      a.close(); // handed off for a request of 1, which nobody here makes
      b.close();
      Lease both = waiter.join();

      assertThat(both.permits()).isEqualTo(2);
      assertThat(both.token()).isGreaterThan(b.token());
      assertThat(semaphore.holders()).extracting(h -> h.permits()).containsExactly(2);
      both.close();
      assertThat(semaphore.available()).isEqualTo(2);
      assertThat(semaphore.holders()).isEmpty();
    }
  }

  @Test
  void anotherClientQueuedInRedisFirstIsServedBeforeTheWaiterOfThisJvm() throws Exception {
    try (RedisSemaphore here = semaphore("order", 1);
        RedisSemaphore elsewhere = semaphore("order", 1)) {
      Lease held = here.acquire();
      Forked<Lease> otherClient = Forked.start("other client", elsewhere::acquire);
      Await.waiting(here, 1); // its ticket, in Redis
      Forked<Lease> localWaiter = Forked.start("local waiter", here::acquire);
      Await.waiting(here, 2); // and this JVM's request, at the gate

      held.close();
      Lease first = otherClient.join();

      assertThat(first.token()).isGreaterThan(held.token());
      assertThat(localWaiter.isDone()).isFalse();
      assertThat(here.holders()).hasSize(1);
      first.close();
      Lease second = localWaiter.join();
      assertThat(second.token()).isGreaterThan(first.token());
      second.close();
      assertThat(here.available()).isEqualTo(1);
    }
  }

  @Test
  void aHandOverAfterAnotherClientShrankTheLimitQueuesInsteadOfPassingInPlace() throws Exception {
    try (RedisSemaphore here = semaphore("shrunk", 2)) {
      Lease a = here.acquire();
      Lease b = here.acquire();
      Forked<Lease> waiter = Forked.start("waiter", here::acquire);
      Await.waiting(here, 1); // at this JVM's gate, whose limit is still 2
      try (RedisSemaphore elsewhere = semaphore("shrunk", 2)) {
        elsewhere.setLimit(1); // 2 held: a hand-over in place would keep 2 holders
      }

      a.close(); // handed to the waiter, which must now queue behind the shrunk limit
      try (RedisClient client = RedisClient.create(server.uri())) {
        Await.until(
            () -> RedisSemaphore.status(client, "shrunk").waiters().size() == 1,
            () -> "the waiter's ticket was never queued: " + Await.describe(here));
      }
      assertThat(waiter.isDone()).isFalse();
      assertThat(here.holders()).extracting(h -> h.thread()).containsExactly(((RedisLease) b).id());
      b.close();
      Lease granted = waiter.join();

      assertThat(granted.token()).isGreaterThan(b.token());
      assertThat(here.holders()).hasSize(1);
      granted.close();
    }
  }

  @Test
  void aHandOverOfALeaseRedisAlreadyPurgedGrantsTheWaiterOnceAndCountsItOnce() throws Exception {
    try (RedisSemaphore semaphore = semaphore("purged", 1);
        RedisClient client = RedisClient.create(server.uri());
        var connection = client.connect()) {
      Lease lease = semaphore.acquire();
      Forked<Lease> waiter = Forked.start("waiter", semaphore::acquire);
      Await.waiting(semaphore, 1);
      // what the purge of an expired lease does (a holder paused past its lease, say)
      String id = ((RedisLease) lease).id();
      connection.sync().zrem("{permits:purged}:holders", id);
      connection.sync().hdel("{permits:purged}:records", id);
      connection.sync().decrby("{permits:purged}:used", 1);

      lease.close(); // the in-place hand-over finds no record to replace: the general path
      Lease granted = waiter.join();

      assertThat(granted.token()).isGreaterThan(lease.token());
      assertThat(semaphore.holders()).hasSize(1);
      assertThat(connection.sync().get("{permits:purged}:used")).isEqualTo("1");
      assertThat(semaphore.available()).isZero();
      granted.close();
      assertThat(semaphore.available()).isEqualTo(1);
      assertThat(semaphore.holders()).isEmpty();
    }
  }

  @Test
  void manyThreadsPassingFewPermitsNeverExceedTheLimitAndLoseNone() throws Exception {
    int limit = 3;
    int threads = 12;
    int rounds = 60;
    try (RedisSemaphore semaphore = semaphore("many", limit)) {
      AtomicInteger inside = new AtomicInteger();
      AtomicInteger most = new AtomicInteger();
      List<Forked<Long>> workers = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int permits = 1 + t % 2; // sizes 1 and 2: some hand-offs find no request of their size
        workers.add(
            Forked.start(
                "worker-" + t,
                () -> {
                  long last = 0;
                  for (int round = 0; round < rounds; round++) {
                    try (Lease lease = semaphore.acquire(permits)) {
                      most.accumulateAndGet(inside.addAndGet(permits), Math::max);
                      assertThat(lease.token()).isGreaterThan(last);
                      last = lease.token();
                      inside.addAndGet(-permits);
                    }
                  }
                  return last;
                }));
      }
      for (Forked<Long> worker : workers) {
        assertThat(worker.join()).isPositive();
      }
      assertThat(most.get()).isBetween(1, limit);
      assertThat(semaphore.available()).isEqualTo(limit);
      assertThat(semaphore.holders()).isEmpty();
      assertThat(semaphore.waiting()).isZero();
    }
  }

  @Test
  void closingAndAskingAgainManyTimesKeepsOneHolderAndRisingTokens() throws Exception {
    try (RedisSemaphore semaphore = semaphore("loop", 1)) {
      long last = 0;
      for (int round = 0; round < 200; round++) {
        try (Lease lease = semaphore.acquire()) {
          assertThat(lease.token()).isGreaterThan(last);
          last = lease.token();
        }
      }
      Lease last1 = semaphore.acquire();
      assertThat(semaphore.holders()).hasSize(1);
      assertThat(semaphore.available()).isZero();
      last1.close();
      assertThat(semaphore.available()).isEqualTo(1);
      assertThat(semaphore.holders()).isEmpty();
    }
  }

  @Test
  void aThreadAskingAgainRightAfterClosingWaitsBehindAnotherClientQueuedMeanwhile()
      throws Exception {
    try (RedisSemaphore here = semaphore("again", 1);
        RedisSemaphore elsewhere = semaphore("again", 1)) {
      Lease first = here.acquire(); // granted while nobody queued: its release is deferred
      Forked<Lease> otherClient = Forked.start("other client", elsewhere::acquire);
      Await.waiting(here, 1); // its ticket, in Redis

      Forked<Lease> again =
          Forked.start(
              "again",
              () -> {
                first.close();
                return here.acquire(); // takes the deferred release, asks under its id
              });
      Lease theirs = otherClient.join();

      assertThat(theirs.token()).isGreaterThan(first.token());
      assertThat(again.isDone()).isFalse();
      theirs.close();
      Lease mine = again.join();
      assertThat(mine.token()).isGreaterThan(theirs.token());
      assertThat(here.holders()).hasSize(1);
      mine.close();
      assertThat(here.available()).isEqualTo(1);
    }
  }
}
