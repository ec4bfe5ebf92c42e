package io.permits.cli;

import io.permits.HolderProcess;
import io.permits.PermitHolder;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code permits status [NAME] [--json] [--watch]}: the limit, holders and waiters of each
 * semaphore in a backend, read without taking anything.
 *
 * <pre>
 * $ permits status
 * ffmpeg  limit 2  held 2  waiting 1
 *   STATE    PID    PERMITS  SINCE     FOR     HOST  COMMAND
 *   holding  41200  1        10:02:03  1m4s    box   ffmpeg -i a.mov a.mp4
 *   holding  41233  1        10:02:41  26s     box   ffmpeg -i b.mov b.mp4
 *   waiting  41301  1        10:03:01  6s      box   ffmpeg -i c.mov c.mp4
 * </pre>
 */
@Command(
    name = "status",
    sortOptions = false,
    description = {
      "Shows each semaphore's limit, holders (pid, since, command) and waiters.",
      "Exits with 1 if NAME is given and there is no such semaphore, 69 if the backend"
          + " cannot be reached, 77 if it refuses the user (a PostgreSQL login or privilege),"
          + " 78 if its PostgreSQL schema is of another version."
    })
public final class StatusCommand implements Callable<Integer> {

  private static final DateTimeFormatter CLOCK = DateTimeFormatter.ofPattern("HH:mm:ss");
  private static final String CLEAR_SCREEN = "\033[H\033[2J";

  @Spec CommandSpec spec;

  @Parameters(
      arity = "0..1",
      paramLabel = "NAME",
      description = "Only this semaphore; all of the backend's when omitted.")
  String name;

  @Mixin BackendOption backend;

  @Option(names = "--json", description = "Print JSON, for scripts.")
  boolean json;

  @Option(
      names = "--watch",
      description = "Redraw in place every --interval until interrupted (Ctrl-C).")
  boolean watch;

  @Option(
      names = "--interval",
      paramLabel = "DURATION",
      defaultValue = "1s",
      converter = DurationConverter.class,
      description = "How often --watch redraws (default: ${DEFAULT-VALUE}).")
  Duration interval;

  @Option(
      names = "--count",
      paramLabel = "N",
      description = "With --watch: stop after N redraws.")
  Integer count;

  /** Creates the command; picocli calls this. */
  public StatusCommand() {}

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    Backend where = backend.get(); // a bad --schema is a usage error, thrown to picocli
    for (int drawn = 0; ; ) {
      List<Backend.Status> states;
      try {
        states = where.status(name);
      } catch (IllegalArgumentException | IllegalStateException missing) {
        err.println("permits status: " + missing.getMessage());
        err.flush();
        return 1;
      } catch (RuntimeException failed) { // unreachable, or refused
        Backend.Failure failure = where.explain("permits status", failed);
        err.println(failure.message());
        err.flush();
        return failure.exitCode();
      }
      if (watch) {
        out.print(CLEAR_SCREEN);
      }
      out.print(json ? Json.of(states) + "\n" : table(states, Instant.now()));
      out.flush();
      drawn++;
      if (!watch || (count != null && drawn >= count)) {
        return 0;
      }
      TimeUnit.NANOSECONDS.sleep(interval.toNanos());
    }
  }

  private String table(List<Backend.Status> states, Instant now) {
    if (states.isEmpty()) {
      return "no semaphores in " + backend.get().where() + "\n";
    }
    StringBuilder text = new StringBuilder();
    for (Backend.Status state : states) {
      text.append(state.name())
          .append("  limit ")
          .append(state.limit())
          .append("  held ")
          .append(state.held())
          .append("  waiting ")
          .append(state.waiters().size())
          .append('\n');
      List<String[]> rows = new ArrayList<>();
      for (PermitHolder holder : state.holders()) {
        rows.add(row("holding", holder, now));
      }
      for (PermitHolder waiter : state.waiters()) {
        rows.add(row("waiting", waiter, now));
      }
      if (!rows.isEmpty()) {
        rows.add(0, new String[] {"STATE", "PID", "PERMITS", "SINCE", "FOR", "HOST", "COMMAND"});
        appendTable(text, rows);
      }
    }
    return text.toString();
  }

  private static String[] row(String state, PermitHolder holder, Instant now) {
    HolderProcess process = holder.process();
    return new String[] {
      state,
      process == null ? "-" : Long.toString(process.pid()),
      Integer.toString(holder.permits()),
      LocalDateTime.ofInstant(holder.since(), ZoneId.systemDefault()).format(CLOCK),
      age(holder.since(), now),
      process == null ? "-" : process.host(),
      process == null ? "" : process.command().orElse("")
    };
  }

  private static void appendTable(StringBuilder text, List<String[]> rows) {
    int columns = rows.get(0).length;
    int[] widths = new int[columns];
    for (String[] row : rows) {
      for (int c = 0; c < columns - 1; c++) {
        widths[c] = Math.max(widths[c], row[c].length());
      }
    }
    for (String[] row : rows) {
      text.append("  ");
      for (int c = 0; c < columns; c++) {
        text.append(row[c]);
        if (c < columns - 1) {
          text.append(" ".repeat(widths[c] - row[c].length() + 2));
        }
      }
      text.append('\n');
    }
  }

  /** "pid 123 (sleep 10) for 4s": one holder, in a sentence. */
  static String describe(PermitHolder holder, Instant now) {
    HolderProcess process = holder.process();
    StringBuilder text = new StringBuilder();
    if (process != null) {
      text.append("pid ").append(process.pid());
      process.command().ifPresent(command -> text.append(" (").append(command).append(')'));
    } else {
      text.append("thread ").append(holder.thread());
    }
    return text.append(" for ").append(age(holder.since(), now)).toString();
  }

  /** "0.4s", "12.3s", "4m05s", "2h03m": how long ago, as precise as a person needs. */
  static String age(Instant since, Instant now) {
    long millis = Math.max(0, Duration.between(since, now).toMillis());
    if (millis < 60_000) {
      return (millis / 1000) + "." + (millis % 1000 / 100) + "s";
    }
    long seconds = millis / 1000;
    if (seconds < 3600) {
      return String.format("%dm%02ds", seconds / 60, seconds % 60);
    }
    return String.format("%dh%02dm", seconds / 3600, seconds % 3600 / 60);
  }
}
