package io.permits.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.permits.Lease;
import io.permits.PermitHolder;
import io.permits.tck.Await;
import io.permits.tck.Forked;
import io.permits.testsupport.RedisServer;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link RedisSemaphore#status}: each holder and each request queued in Redis with the process
 * that made it, as {@code permits status --backend redis://…} shows them.
 */
@Timeout(60)
class RedisStatusTest {

  private static final String TICKETS = "{permits:shown}:tickets";

  private final RedisServer server = RedisServer.start();
  private final RedisClient client = RedisClient.create(server.uri());

  @AfterEach
  void stopRedis() {
    client.shutdown();
    server.close();
  }

  private RedisSemaphore semaphore(String command) {
    return RedisSemaphore.builder(client)
        .name("shown")
        .limit(1)
        .lease(Duration.ofSeconds(1)) // renewed; a waiter re-checks at least once a lease
        .command(command)
        .build();
  }

  @Test
  void aQueuedRequestIsShownWithItsProcessAndKeepsItsTimeWhenItsTicketIsRefreshed()
      throws Exception {
    try (RedisSemaphore holding = semaphore("holder job");
        RedisSemaphore waiting = semaphore("waiter job");
        StatefulRedisConnection<String, String> raw = client.connect()) {
      Instant before = Instant.now().truncatedTo(ChronoUnit.MILLIS);
      Lease held = holding.acquire();
      Forked<Lease> waiter = Forked.start("waiter", waiting::acquire);
      Await.until(
          () -> RedisSemaphore.status(client, "shown").waiters().size() == 1,
          () -> "one request queued in Redis");
      RedisSemaphoreStatus queued = RedisSemaphore.status(client, "shown");
      Instant after = Instant.now();

      assertThat(queued.holders())
          .singleElement()
          .satisfies(holder -> assertProcess(holder, "holder job"));
      PermitHolder request = queued.waiters().get(0);
      assertProcess(request, "waiter job");
      assertThat(request.permits()).isEqualTo(1);
      assertThat(request.since()).isBetween(before, after);

      // the waiter runs its acquire again at the holder's expiry, which renewal has moved on:
      // the ticket gets a new deadline, and keeps its place and the time it was queued
      String ticket = raw.sync().hget(TICKETS, request.thread());
      Await.until(
          () -> !ticket.equals(raw.sync().hget(TICKETS, request.thread())),
          () -> "the ticket refreshed");
      PermitHolder refreshed = RedisSemaphore.status(client, "shown").waiters().get(0);
      assertThat(refreshed.thread()).isEqualTo(request.thread());
      assertThat(refreshed.since()).isEqualTo(request.since());
      assertProcess(refreshed, "waiter job");

      held.close();
      waiter.join().close();
      assertThat(RedisSemaphore.status(client, "shown").waiters()).isEmpty();
    }
  }

  private static void assertProcess(PermitHolder entry, String command) {
    assertThat(entry.process()).isNotNull();
    assertThat(entry.process().pid()).isEqualTo(ProcessHandle.current().pid());
    assertThat(entry.process().command()).isEqualTo(Optional.of(command));
  }
}
