package io.permits.postgres;

import io.permits.HolderProcess;
import io.permits.PermitHolder;
import io.permits.backend.ThisHost;
import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * Who holds or waits, as a client records it with each lease and ticket ({@code "pid host
 * command"}) and as the state function returns it.
 */
final class HolderRows {

  private HolderRows() {}

  /**
   * "pid host command" for this process; the command defaults to the JVM's command line without
   * its options, at most 200 characters.
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

  /** The leases among the state rows, oldest grant first (the function's order). */
  static List<PermitHolder> holders(List<Calls.StateRow> rows) {
    return of(rows, 'h');
  }

  /** The queued tickets among the state rows, in arrival order; since is when each queued. */
  static List<PermitHolder> waiters(List<Calls.StateRow> rows) {
    return of(rows, 'w');
  }

  private static List<PermitHolder> of(List<Calls.StateRow> rows, char kind) {
    return rows.stream().filter(row -> row.kind() == kind).map(HolderRows::entry).toList();
  }

  private static PermitHolder entry(Calls.StateRow row) {
    String[] parts = row.who().split(" ", 3);
    HolderProcess process = null;
    if (parts.length >= 2) {
      try {
        process = new HolderProcess(Long.parseLong(parts[0]), parts[1],
            parts.length == 3 ? Optional.of(parts[2]) : Optional.empty());
      } catch (NumberFormatException notOurs) {
        process = null;
      }
    }
    return new PermitHolder(row.permits(), row.id(), 0, row.since().toInstant(), null, process);
  }
}
