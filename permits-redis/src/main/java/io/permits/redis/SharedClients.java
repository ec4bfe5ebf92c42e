package io.permits.redis;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The Lettuce clients of the semaphores built from a URI ({@link RedisSemaphore#builder(String)}):
 * one per URI text for the JVM, made on first use and never shut down, on one set of I/O threads
 * and timers. A semaphore closes its own connections, not the client.
 *
 * <p>Clients that live as long as the JVM start their threads once: Lettuce stops its shared
 * event loops when the last client using them shuts down, and a connection being opened on them
 * then may never complete its handshake. Lettuce's threads are daemons.
 */
final class SharedClients {

  private static final ClientResources RESOURCES = DefaultClientResources.create();
  private static final ConcurrentHashMap<String, RedisClient> CLIENTS = new ConcurrentHashMap<>();

  private SharedClients() {}

  /**
   * The client for a URI.
   *
   * @param text the URI as given, the key (two texts for one server get two clients)
   * @param parsed the same, parsed
   */
  static RedisClient forUri(String text, RedisURI parsed) {
    return CLIENTS.computeIfAbsent(text, ignored -> RedisClient.create(RESOURCES, parsed));
  }
}
