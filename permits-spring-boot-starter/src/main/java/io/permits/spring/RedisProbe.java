package io.permits.spring;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import java.time.Duration;

/**
 * Asks one Redis server for {@code PING}, on a connection of its own made for each check, within
 * a timeout. Names Lettuce's classes: loaded only when a Redis backend is declared (and so
 * permits-redis, and Lettuce, are on the class path).
 */
final class RedisProbe implements AutoCloseable {

  private final RedisClient client;

  RedisProbe(String uri, Duration timeout) {
    RedisURI parsed = RedisURI.create(uri);
    parsed.setTimeout(timeout);
    this.client = RedisClient.create(parsed);
    client.setOptions(
        ClientOptions.builder()
            .autoReconnect(false)
            .socketOptions(SocketOptions.builder().connectTimeout(timeout).build())
            .build());
  }

  /** Throws if the server does not answer. */
  void ping() {
    try (StatefulRedisConnection<String, String> connection = client.connect()) {
      String answer = connection.sync().ping();
      if (!"PONG".equals(answer)) {
        throw new IllegalStateException("PING answered '" + answer + "'");
      }
    }
  }

  @Override
  public void close() {
    client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
  }
}
