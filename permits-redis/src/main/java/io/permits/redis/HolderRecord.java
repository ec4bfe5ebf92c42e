package io.permits.redis;

import io.permits.HolderProcess;
import io.permits.PermitHolder;
import io.permits.backend.ThisHost;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * Who holds a lease, as a client records it in Redis ({@code "pid host command"}, which the
 * acquire script prefixes with the grant's server time) and as the state script returns it.
 */
final class HolderRecord {

  private HolderRecord() {}

  /**
   * "pid host command" for this process; the command defaults to the JVM's command line without
   * its options (so without a class path that would be sent with every acquire), at most 200
   * characters.
   */
  static String describeThisProcess(@Nullable String command) {
    ProcessHandle.Info info = ProcessHandle.current().info();
    String line =
        command != null ? command : ThisHost.javaCommand(info.arguments().orElse(new String[0]));
    if (line.length() > 200) {
      line = line.substring(0, 200) + "…";
    }
    return ProcessHandle.current().pid() + " " + ThisHost.name() + " " + line;
  }

  /** The holders in a state reply: flat (id, ms left, permits, "since pid host command"). */
  static List<PermitHolder> holders(List<Object> state) {
    List<?> flat = (List<?>) state.get(2);
    List<PermitHolder> holders = new ArrayList<>();
    for (int i = 0; i + 3 < flat.size(); i += 4) {
      holders.add(entry(flat.get(i), flat.get(i + 2), flat.get(i + 3)));
    }
    holders.sort(java.util.Comparator.comparing(PermitHolder::since));
    return holders;
  }

  /**
   * The queued requests in a state reply: flat (ticket, permits, "since pid host command"), in
   * arrival order; since is when the request was queued.
   */
  static List<PermitHolder> waiters(List<Object> state) {
    List<?> flat = (List<?>) state.get(3);
    List<PermitHolder> waiters = new ArrayList<>();
    for (int i = 0; i + 2 < flat.size(); i += 3) {
      waiters.add(entry(flat.get(i), flat.get(i + 1), flat.get(i + 2)));
    }
    return waiters;
  }

  /** How many requests are queued in a state reply. */
  static int queued(List<Object> state) {
    return ((List<?>) state.get(3)).size() / 3;
  }

  /** One holder or waiter: its id, its permits and its record ("since-ms pid host command"). */
  private static PermitHolder entry(Object id, Object permits, Object record) {
    String[] parts = text(record).split(" ", 4);
    Instant since = Instant.ofEpochMilli(parseLong(parts[0]));
    HolderProcess process =
        parts.length < 3
            ? null
            : new HolderProcess(
                parseLong(parts[1]),
                parts[2],
                parts.length == 4 ? Optional.of(parts[3]) : Optional.empty());
    return new PermitHolder(((Long) permits).intValue(), text(id), 0, since, null, process);
  }

  /** A bulk string of a script's reply (bytes: the scripts' connection uses a byte codec). */
  static String text(Object value) {
    return value instanceof byte[] bytes
        ? new String(bytes, java.nio.charset.StandardCharsets.UTF_8)
        : String.valueOf(value);
  }

  private static long parseLong(String text) {
    try {
      return Long.parseLong(text);
    } catch (NumberFormatException notANumber) {
      return 0;
    }
  }
}
