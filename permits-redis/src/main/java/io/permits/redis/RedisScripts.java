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
 * The semaphore's Lua scripts, one per operation (acquiring and releasing share one: see
 * acquire.lua), each run with {@code EVALSHA} (the script's SHA-1, computed here) and, when the
 * server answers NOSCRIPT (a restart, a {@code SCRIPT FLUSH}), once more with {@code EVAL}, which
 * loads it again.
 */
enum RedisScripts {
  ACQUIRE("acquire.lua", "in_place.lua"),
  RENEW("renew.lua"),
  CANCEL("cancel.lua"),
  LIMIT("limit.lua"),
  STATE("state.lua");

  private final String source;
  private final String sha;

  /**
   * @param file the operation's script, after common.lua's helpers
   * @param first a part that runs before the helpers are defined, if any (a fast path, which
   *     then does not pay for them)
   */
  RedisScripts(String file, String... first) {
    StringBuilder text = new StringBuilder();
    for (String part : first) {
      text.append(read(part)).append('\n');
    }
    this.source = text.append(read("common.lua")).append('\n').append(read(file)).toString();
    this.sha = sha1(source);
  }

  /** Runs the script on the keys of one semaphore; the future completes on Lettuce's thread. */
  CompletableFuture<List<Object>> run(
      RedisAsyncCommands<byte[], byte[]> redis, RedisKeys keys, String... args) {
    byte[][] values = new byte[args.length][];
    for (int i = 0; i < args.length; i++) {
      values[i] = args[i].getBytes(StandardCharsets.UTF_8);
    }
    CompletableFuture<List<Object>> result = new CompletableFuture<>();
    redis
        .<List<Object>>evalsha(sha, ScriptOutputType.MULTI, keys.bytes(), values)
        .whenComplete(
            (reply, failure) -> {
              if (failure == null) {
                result.complete(reply);
              } else if (failure instanceof RedisNoScriptException
                  || failure.getCause() instanceof RedisNoScriptException) {
                redis
                    .<List<Object>>eval(source, ScriptOutputType.MULTI, keys.bytes(), values)
                    .whenComplete(
                        (again, failed) -> {
                          if (failed == null) {
                            result.complete(again);
                          } else {
                            result.completeExceptionally(failed);
                          }
                        });
              } else {
                result.completeExceptionally(failure);
              }
            });
    return result;
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
