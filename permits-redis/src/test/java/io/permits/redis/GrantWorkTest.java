package io.permits.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.RedisClient;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.permits.testsupport.RedisServer;
import java.lang.reflect.Field;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * With a long queue, a grant (a release handing its permit to the head ticket) and a waiter
 * asking again (its ticket at the tail, refreshed) cost the server the same whether 10 tickets
 * are queued or 1,000: the same commands inside the script, counted by Redis ({@code INFO
 * commandstats}, which counts each command a script calls), and the same number of elements
 * those commands were given and returned, counted by a copy of the script whose {@code
 * redis.call} counts them. The second count is what catches a scan of the queue: reading every
 * ticket with {@code ZRANGE 0 -1} and one {@code HMGET} (as acquire.lua did for the tickets ahead
 * before a2f4365) is two commands at any length, but about three elements a ticket. Counts, not
 * timings.
 */
@Timeout(120)
class GrantWorkTest {

  private static final int SHORT = 10;
  private static final int LONG = 1_000;
  private static final int OPS = 40; // per kind of runner: the real script, then the counting copy

  /** Commands in the stats that the scripts do not call: the scripts themselves and INFO. */
  private static final Set<String> NOT_IN_SCRIPTS = Set.of("info", "evalsha", "eval");

  /**
   * How far the elements may differ: the heads are read 16 at a time, so a queue of 10 gives 6
   * fewer heads (and tickets) than a queue of 1,000 to each read of them. A scan of the queue
   * differs by thousands here.
   */
  private static final long SLACK = 48;

  private static final long IDLE_MILLIS = 60_000;

  /** The keys whose expiry keep_alive sets: all but the wake channels' prefix and gone. */
  private static final int EXPIRING_KEYS = 9;

  private final RedisServer server = RedisServer.start();
  private final RedisClient client = RedisClient.create(server.uri());

  @AfterEach
  void stopRedis() {
    client.shutdown();
    server.close();
  }

  /** What one operation cost the server: commands called, by name, and elements. */
  private record Work(Map<String, Long> commands, long elements) {
    long total() {
      return commands.values().stream().mapToLong(Long::longValue).sum();
    }
  }

  private interface Operation {
    List<Object> run(SyntheticQueue queue, SyntheticQueue.Runner runner) throws Exception;
  }

  @Test
  void aGrantCostsTheSameWhetherTenOrAThousandAreQueued() throws Exception {
    Work few = work(SHORT, 0, SyntheticQueue::release);
    Work many = work(LONG, 0, SyntheticQueue::release);
    assertThat(many.commands())
        .as("commands per grant, %d queued: %s; %d queued: %s", LONG, many, SHORT, few)
        .isEqualTo(few.commands());
    assertThat(many.elements())
        .as("elements per grant")
        .isBetween(few.elements() - SLACK, few.elements() + SLACK);
  }

  @Test
  void aWaiterAskingAgainAtTheTailCostsTheSameWhetherTenOrAThousandAreQueued() throws Exception {
    Work few = work(SHORT, 0, SyntheticQueue::askAtTail);
    Work many = work(LONG, 0, SyntheticQueue::askAtTail);
    assertThat(many.commands())
        .as("commands per ask, %d queued: %s; %d queued: %s", LONG, many, SHORT, few)
        .isEqualTo(few.commands());
    assertThat(many.elements())
        .as("elements per ask")
        .isBetween(few.elements() - SLACK, few.elements() + SLACK);
  }

  @Test
  void keysThatExpireWhenIdleCostOneReadAndOnePexpireatAKeyMoreAtAnyLength() throws Exception {
    for (Operation operation :
        List.<Operation>of(SyntheticQueue::release, SyntheticQueue::askAtTail)) {
      Work never = work(SHORT, 0, operation);
      Work few = work(SHORT, IDLE_MILLIS, operation);
      Work many = work(LONG, IDLE_MILLIS, operation);
      Map<String, Long> expected = new TreeMap<>(never.commands());
      expected.merge("pexpiretime", 1L, Long::sum);
      expected.merge("pexpireat", (long) EXPIRING_KEYS, Long::sum);
      assertThat(few.commands())
          .as("commands with keys that expire, against %s without", never)
          .isEqualTo(expected);
      assertThat(many.commands()).as("commands with keys that expire, %d queued", LONG)
          .isEqualTo(few.commands());
      assertThat(many.elements())
          .as("elements with keys that expire")
          .isBetween(few.elements() - SLACK, few.elements() + SLACK);
    }
  }

  /**
   * Runs the operation {@link #OPS} times with the real script and {@link #OPS} times with the
   * counting copy on a queue of {@code length}; checks that every run cost the same commands and
   * that the copy called the same ones as the script.
   */
  private Work work(int length, long idleMillis, Operation operation) throws Exception {
    try (SyntheticQueue queue = new SyntheticQueue(client, "work", length, idleMillis)) {
      Measured real = new Measured(queue, SyntheticQueue.REAL);
      Set<Map<String, Long>> commandsOfEach = new HashSet<>();
      for (int i = 0; i < OPS; i++) {
        operation.run(queue, real);
        commandsOfEach.add(real.commands);
      }
      assertThat(commandsOfEach).as("commands of each run, queue of %d", length).hasSize(1);
      Map<String, Long> commands = real.commands;

      Counting counting = new Counting();
      Measured copy = new Measured(queue, counting);
      Set<Long> elements = new HashSet<>();
      for (int i = 0; i < OPS; i++) {
        operation.run(queue, copy);
        assertThat(copy.commands).as("commands of the counting copy").isEqualTo(commands);
        assertThat(counting.calls).as("calls it counted").isEqualTo(new Work(commands, 0).total());
        elements.add(counting.elements);
      }
      assertThat(elements).as("elements of each run, queue of %d", length).hasSize(1);
      return new Work(commands, elements.iterator().next());
    }
  }

  /**
   * A runner that keeps the commands Redis ran while the script ran (from {@code INFO
   * commandstats} before and after it), by name, without the script itself and INFO.
   */
  private static final class Measured implements SyntheticQueue.Runner {

    private final SyntheticQueue queue;
    private final SyntheticQueue.Runner runner;
    Map<String, Long> commands = Map.of();

    Measured(SyntheticQueue queue, SyntheticQueue.Runner runner) {
      this.queue = queue;
      this.runner = runner;
    }

    @Override
    public List<Object> run(
        RedisAsyncCommands<byte[], byte[]> redis, RedisKeys keys, RedisScripts op, String... args)
        throws Exception {
      Map<String, long[]> before = queue.commandStats();
      List<Object> reply = runner.run(redis, keys, op, args);
      Map<String, long[]> after = queue.commandStats();
      Map<String, Long> called = new TreeMap<>();
      after.forEach(
          (name, stats) -> {
            long calls = stats[0] - (before.containsKey(name) ? before.get(name)[0] : 0);
            if (calls > 0 && !NOT_IN_SCRIPTS.contains(name)) {
              called.put(name, calls);
            }
          });
      commands = called;
      return reply;
    }
  }


  /**
   * Runs the scripts' source with {@code redis.call} counting the calls and their elements: the
   * arguments each call passed (with the command's name) and what it returned (a table's length,
   * else 1). The counting {@code redis} is a local that shadows the global one for the whole
   * source; the dispatch at its end returns the counts beside the operation's reply.
   */
  private static final class Counting implements SyntheticQueue.Runner {

    private static final String DISPATCH = "return reply\n";
    private static final String SOURCE = countingSource();

    long calls;
    long elements;

    private static String countingSource() {
      String source;
      try {
        Field field = RedisScripts.class.getDeclaredField("SOURCE");
        field.setAccessible(true);
        source = (String) field.get(null);
      } catch (ReflectiveOperationException e) {
        throw new IllegalStateException(e);
      }
      assertThat(source).as("the script's dispatch").endsWith(DISPATCH);
      return """
          local global_redis = redis
          local calls, elements = 0, 0
          local redis = setmetatable({call = function(...)
            local reply = global_redis.call(...)
            calls = calls + 1
            elements = elements + select('#', ...) + (type(reply) == 'table' and #reply or 1)
            return reply
          end}, {__index = global_redis})
          """
          + source.substring(0, source.length() - DISPATCH.length())
          + "return {reply, calls, elements}\n";
    }

    @Override
    @SuppressWarnings("unchecked")
    public List<Object> run(
        RedisAsyncCommands<byte[], byte[]> redis, RedisKeys keys, RedisScripts op, String... args)
        throws Exception {
      boolean carries = op == RedisScripts.RELEASE; // its arguments are what it carries
      byte[][] values = new byte[args.length + 3][];
      values[0] = op.name().toLowerCase().getBytes(StandardCharsets.UTF_8);
      values[1] = keys.idleArgument();
      values[2] = Integer.toString(carries ? args.length / 2 : 0).getBytes(StandardCharsets.UTF_8);
      for (int i = 0; i < args.length; i++) {
        values[i + 3] = args[i].getBytes(StandardCharsets.UTF_8);
      }
      List<Object> reply =
          SyntheticQueue.await(
              redis.<List<Object>>eval(SOURCE, ScriptOutputType.MULTI, keys.bytes(), values));
      calls = (Long) reply.get(1);
      elements = (Long) reply.get(2);
      return (List<Object>) reply.get(0);
    }
  }
}
