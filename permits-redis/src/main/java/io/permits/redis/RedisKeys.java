package io.permits.redis;

import java.nio.charset.StandardCharsets;

/**
 * The keys of one semaphore, all under one hash tag ({@code {permits:NAME}}) so that a Redis
 * Cluster keeps them in one slot and a script may touch them all; common.lua names each. Also how
 * long they outlive the semaphore's last use, which every script is told (common.lua's
 * keep_alive): 0, they never expire.
 */
final class RedisKeys {

  /** In the order of common.lua's KEYS; the wake channels' prefix is ninth. */
  private static final String[] SUFFIXES = {
    ":limit", ":holders", ":records", ":used", ":queue", ":tickets", ":fence", ":sequence",
    ":wake:", ":limit-version", ":gone"
  };

  private final String tag;
  private final byte[][] bytes = new byte[SUFFIXES.length][];
  private final byte[] idle;

  /** Keys that never expire. */
  RedisKeys(String name) {
    this(name, 0);
  }

  /** Keys that expire once the semaphore was idle for {@code idleMillis} (0: never). */
  RedisKeys(String name, long idleMillis) {
    this.tag = "{permits:" + name + "}";
    for (int i = 0; i < SUFFIXES.length; i++) {
      bytes[i] = (tag + SUFFIXES[i]).getBytes(StandardCharsets.UTF_8);
    }
    this.idle = Long.toString(idleMillis).getBytes(StandardCharsets.UTF_8);
  }

  /** The keys, UTF-8 encoded once: scripts are sent as bytes. */
  byte[][] bytes() {
    return bytes;
  }

  /** The idle ms, as every script's second argument. */
  byte[] idleArgument() {
    return idle;
  }

  /** The channel on which the scripts tell one client that a queued request of its was granted. */
  String wakeChannel(String clientId) {
    return tag + ":wake:" + clientId;
  }
}
