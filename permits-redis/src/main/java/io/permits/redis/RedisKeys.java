package io.permits.redis;

/**
 * The keys of one semaphore, all under one hash tag ({@code {permits:NAME}}) so that a Redis
 * Cluster keeps them in one slot and a script may touch them all; common.lua names each.
 */
final class RedisKeys {

  private final String[] all;
  private final byte[][] bytes;
  private final String wakePrefix;

  RedisKeys(String name) {
    String tag = "{permits:" + name + "}";
    this.wakePrefix = tag + ":wake:";
    this.all =
        new String[] {
          tag + ":limit",
          tag + ":holders",
          tag + ":records",
          tag + ":used",
          tag + ":queue",
          tag + ":tickets",
          tag + ":fence",
          tag + ":sequence",
          wakePrefix,
          tag + ":limit-version",
          tag + ":gone"
        };
    this.bytes = new byte[all.length][];
    for (int i = 0; i < all.length; i++) {
      bytes[i] = all[i].getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }
  }

  /** The key whose existence says that a semaphore of this name exists. */
  String limitKey() {
    return all[0];
  }

  /** The keys, UTF-8 encoded once: scripts are sent as bytes. */
  byte[][] bytes() {
    return bytes;
  }

  /** The channel on which the scripts tell one client that a queued request of its was granted. */
  String wakeChannel(String clientId) {
    return wakePrefix + clientId;
  }
}
