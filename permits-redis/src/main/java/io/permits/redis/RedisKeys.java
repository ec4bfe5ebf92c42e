package io.permits.redis;

/**
 * The keys of one semaphore, all under one hash tag ({@code {permits:NAME}}) so that a Redis
 * Cluster keeps them in one slot and a script may touch them all; common.lua names each.
 */
final class RedisKeys {

  /** In the order of common.lua's KEYS; the wake channels' prefix is ninth. */
  private static final String[] SUFFIXES = {
    ":limit", ":holders", ":records", ":used", ":queue", ":tickets", ":fence", ":sequence",
    ":wake:", ":limit-version", ":gone"
  };

  private final String tag;
  private final byte[][] bytes = new byte[SUFFIXES.length][];

  RedisKeys(String name) {
    this.tag = "{permits:" + name + "}";
    for (int i = 0; i < SUFFIXES.length; i++) {
      bytes[i] = (tag + SUFFIXES[i]).getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }
  }

  /** The keys, UTF-8 encoded once: scripts are sent as bytes. */
  byte[][] bytes() {
    return bytes;
  }

  /** The channel on which the scripts tell one client that a queued request of its was granted. */
  String wakeChannel(String clientId) {
    return tag + ":wake:" + clientId;
  }
}
