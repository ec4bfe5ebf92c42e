package io.permits.cli;

import io.permits.Permit;
import io.permits.PermitHolder;
import io.permits.Semaphore;
import java.io.IOException;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code permits run --name N --limit L [--timeout D] [--weight K] -- CMD ARGS…}: runs a command
 * while holding permits of a semaphore shared by every process on the host that names it, like
 * GNU parallel's {@code sem} or {@code flock(1)} with a count.
 *
 * <pre>
 * $ permits run --name ffmpeg --limit 4 -- ffmpeg -i in.mov out.mp4
 * </pre>
 *
 * <p>The command inherits stdin, stdout and stderr, and its exit code is this command's; a
 * command killed by a signal gives 128 + the signal's number, as a shell reports it. SIGINT and
 * SIGTERM received while the command runs are passed on to it, and the permits are released
 * when it ends. Before it runs (while waiting), they end the wait at once. If a holder dies,
 * even by {@code kill -9}, its permits come back at once.
 */
@Command(
    name = "run",
    sortOptions = false,
    description = {
      "Runs CMD while holding permits of the semaphore NAME, shared by every process on this"
          + " host that names it (in the same directory). Waits in arrival order when none is"
          + " free.",
      "The exit code is CMD's. permits run itself exits with 75 on timeout (or"
          + " --timeout-exit-code), 2 on bad input, 127 if CMD cannot be started, 69 if the"
          + " backend cannot be reached, 77 if it refuses the user (a PostgreSQL login or"
          + " privilege), 78 if its PostgreSQL schema is of another version."
    })
public final class RunCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Option(
      names = "--name",
      required = true,
      paramLabel = "NAME",
      description = "The semaphore: letters, digits, '.', '_' and '-'.")
  String name;

  @Option(
      names = "--limit",
      required = true,
      paramLabel = "L",
      description =
          "How many permits the semaphore has; must match the limit recorded by the processes"
              + " already using it, unless --change-limit.")
  int limit;

  @Option(
      names = "--weight",
      paramLabel = "K",
      defaultValue = "1",
      description = "How many permits CMD holds (default: ${DEFAULT-VALUE}).")
  int weight;

  @Option(
      names = "--timeout",
      paramLabel = "DURATION",
      converter = DurationConverter.class,
      description = "Give up after waiting this long (e.g. 500ms, 30s, 5m); default: wait.")
  Duration timeout;

  @Option(
      names = "--timeout-exit-code",
      paramLabel = "CODE",
      defaultValue = "75",
      description = "The exit code on timeout (default: ${DEFAULT-VALUE}, EX_TEMPFAIL).")
  int timeoutExitCode;

  @Option(
      names = "--change-limit",
      description = "Set the semaphore's limit to L if it records another one.")
  boolean changeLimit;

  @Mixin BackendOption backend;

  @Option(
      names = {"-v", "--verbose"},
      description = "Say on stderr when CMD has to wait, and for whom.")
  boolean verbose;

  @Parameters(
      arity = "1..*",
      paramLabel = "CMD",
      description = "The command and its arguments (put -- before them).")
  List<String> command;

  /** Creates the command; picocli calls this. */
  public RunCommand() {}

  @Override
  public Integer call() throws Exception {
    PrintWriter err = spec.commandLine().getErr();
    Backend where = backend.get(); // a bad --schema is a usage error, thrown to picocli
    Semaphore semaphore;
    try {
      if (weight < 1 || weight > limit) {
        throw new IllegalArgumentException(
            "--weight must be between 1 and the limit " + limit + ", was " + weight);
      }
      semaphore = where.open(name, limit, changeLimit, String.join(" ", command));
    } catch (IllegalArgumentException | IllegalStateException bad) {
      err.println("permits run: " + bad.getMessage());
      err.flush();
      return ExitCodes.USAGE;
    } catch (RuntimeException failed) { // unreachable, or refused
      Backend.Failure failure = where.explain("permits run", failed);
      err.println(failure.message());
      err.flush();
      return failure.exitCode();
    }
    try (semaphore) {
      Optional<Permit> permit = semaphore.tryAcquire(weight);
      if (permit.isEmpty()) {
        if (verbose) {
          err.println("permits run: waiting for " + describeWait(semaphore));
          err.flush();
        }
        permit =
            timeout == null
                ? Optional.of(semaphore.acquire(weight))
                : semaphore.tryAcquire(weight, timeout);
      }
      if (permit.isEmpty()) {
        err.println(
            "permits run: timed out after "
                + DurationConverter.format(timeout)
                + " waiting for "
                + describeWait(semaphore));
        err.flush();
        return timeoutExitCode;
      }
      try (Permit held = permit.get()) {
        return runHolding();
      }
    }
  }

  private int runHolding() throws InterruptedException {
    PrintWriter err = spec.commandLine().getErr();
    try (SignalForwarding forwarding = SignalForwarding.install()) {
      Process child;
      try {
        child = new ProcessBuilder(command).inheritIO().start();
      } catch (IOException cannotStart) {
        err.println(
            "permits run: cannot run '" + command.get(0) + "': " + cannotStart.getMessage());
        err.flush();
        return ExitCodes.CANNOT_RUN;
      }
      forwarding.attach(child);
      return child.waitFor();
    }
  }

  private String describeWait(Semaphore semaphore) {
    StringBuilder text = new StringBuilder();
    text.append(weight == 1 ? "1 permit" : weight + " permits")
        .append(" of semaphore '")
        .append(name)
        .append("' (limit ")
        .append(semaphore.limit());
    List<PermitHolder> holders = semaphore.holders();
    if (!holders.isEmpty()) {
      text.append("; held by ");
      Instant now = Instant.now();
      for (int i = 0; i < holders.size(); i++) {
        PermitHolder holder = holders.get(i);
        if (i > 0) {
          text.append(", ");
        }
        text.append(StatusCommand.describe(holder, now));
      }
    }
    return text.append(')').toString();
  }
}
