package io.permits.redis;

import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.async.RedisAsyncCommands;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The semaphore's operations, each a Lua file of its own (acquire.lua, ...), all loaded as one
 * script: common.lua's key names and helpers, then each operation as a function, then a dispatch
 * on the first argument. It runs with {@code EVALSHA} (its SHA-1, computed here) and, when the
 * server answers NOSCRIPT (a restart, a {@code SCRIPT FLUSH}), once more with {@code EVAL}, which
 * loads it again. One script, not one per operation, so that NOSCRIPT meets every operation sent
 * after the loss alike and their second sends keep their order: a release sent before a count
 * still runs before it. Every operation is safe to run twice (see each file's header).
 */
enum RedisScripts {
  ACQUIRE,
  RELEASE,
  RENEW,
  LIMIT,
  STATE;

  private static final String SOURCE = source();
  private static final String SHA = sha1(SOURCE);

  private final byte[] operation = name().toLowerCase().getBytes(StandardCharsets.UTF_8);

  private static String source() {
    StringBuilder text = new StringBuilder(read("common.lua")).append('\n');
    StringBuilder dispatch = new StringBuilder("local operations = {");
    for (RedisScripts each : values()) {
      String name = each.name().toLowerCase();
      text.append("local function ").append(name).append("(first)\n")
          .append("local ARGV = {unpack(ARGV, first)}\n")
          .append(read(name + ".lua")).append("\nend\n");
      dispatch.append(name).append(" = ").append(name).append(", ");
    }
    // ARGV: the operation, the idle ms (0: the keys never expire), the number of endings
    // carried, their (id, token) pairs, its own
    return text.append(dispatch).append("}\n")
        .append("idle_ms = tonumber(ARGV[2])\n")
        .append("local carried = tonumber(ARGV[3])\n")
        .append("for i = 4, 2 * carried + 2, 2 do settle(ARGV[i], ARGV[i + 1]) end\n")
        .append("local reply = operations[ARGV[1]](2 * carried + 4)\n")
        .append("keep_alive()\n")
        .append("return reply\n")
        .toString();
  }

  /**
   * Runs the operation on the keys of one semaphore, after the releases it carries ((id, token)
   * pairs, flat), then keeps the keys alive if they expire when idle; the future completes on
   * Lettuce's thread.
   */
  CompletableFuture<List<Object>> run(
      RedisAsyncCommands<byte[], byte[]> redis, RedisKeys keys, List<String> carried,
      String... args) {
    byte[][] values = new byte[3 + carried.size() + args.length][];
    values[0] = operation;
    values[1] = keys.idleArgument();
    values[2] = Integer.toString(carried.size() / 2).getBytes(StandardCharsets.UTF_8);
    int at = 3;
    for (String each : carried) {
      values[at++] = each.getBytes(StandardCharsets.UTF_8);
    }
    for (String arg : args) {
      values[at++] = arg.getBytes(StandardCharsets.UTF_8);
    }
    return redis
        .<List<Object>>evalsha(SHA, ScriptOutputType.MULTI, keys.bytes(), values)
        .toCompletableFuture()
        .exceptionallyCompose(
            failure ->
                failure instanceof RedisNoScriptException
                        || failure.getCause() instanceof RedisNoScriptException
                    ? redis
                        .<List<Object>>eval(SOURCE, ScriptOutputType.MULTI, keys.bytes(), values)
                        .toCompletableFuture()
                    : CompletableFuture.failedFuture(failure));
  }

  private static String read(String file) {
    try (InputStream in = RedisScripts.class.getResourceAsStream(file)) {
      if (in == null) {
        throw new IllegalStateException("missing script " + file);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String sha1(String text) {
    try {
      MessageDigest digest = MessageDigest.getInstance("SHA-1");
      return HexFormat.of().formatHex(digest.digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
