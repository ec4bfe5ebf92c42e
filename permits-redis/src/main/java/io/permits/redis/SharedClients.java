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
 * <p>Implementation notes. A client of its own each, with its own event loops, timer and pools,
 * made a semaphore closed while counts were still read (each read opens the connections again)
 * cost a set of threads per read until their shutdown's quiet period passed; the stress run
 * exhausted the machine that way ("Unable to connect"). One set of resources shared by clients of
 * their own each still started and stopped the I/O threads: Lettuce counts the clients using its
 * event loops and shuts them down when the last client is shut down, and a connection then being
 * opened or re-opened on them never completed its handshake (logged as "Failed to submit a
 * listener notification task"; a connect waits for that handshake without a limit). Clients that
 * live as long as the JVM start the threads once. Lettuce's threads are daemons: they do not keep
 * the JVM alive.
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
