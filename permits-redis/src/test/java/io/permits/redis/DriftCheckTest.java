package io.permits.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import io.permits.Lease;
import io.permits.testsupport.RedisServer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * used changes only with the records it counts; should the two ever disagree (here: used set by
 * hand), the script that would drive used below zero fails loudly instead of drifting on.
 */
@Timeout(60)
class DriftCheckTest {

  @Test
  void aReleaseThatWouldDriveUsedBelowZeroFailsLoudly() throws Exception {
    try (RedisServer server = RedisServer.start();
        RedisSemaphore semaphore =
            RedisSemaphore.builder(server.uri()).name("drift").limit(2)
                .lease(Duration.ofSeconds(30)).build()) {
      SemaphoreKeys keys = new SemaphoreKeys(server.uri(), "drift");
      Lease lease = semaphore.acquire();
      keys.admin().set("{permits:drift}:used", "0"); // the drift the check is there for
      RedisClient client = RedisClient.create(server.uri());
      try (StatefulRedisConnection<byte[], byte[]> connection =
          client.connect(ByteArrayCodec.INSTANCE)) {
        List<String> release = List.of(leaseId(keys), Long.toString(lease.token()));
        assertThatThrownBy(
                () ->
                    RedisScripts.RELEASE
                        .run(connection.async(), new RedisKeys("drift"), release)
                        .join())
            .isInstanceOf(CompletionException.class)
            .hasMessageContaining("used fell below 0")
            .hasMessageContaining("drifted from the records");
      } finally {
        client.shutdown();
        keys.close();
      }
    }
  }

  private static String leaseId(SemaphoreKeys keys) {
    List<String> ids = keys.admin().hkeys("{permits:drift}:records");
    assertThat(ids).hasSize(1);
    return ids.get(0);
  }
}
