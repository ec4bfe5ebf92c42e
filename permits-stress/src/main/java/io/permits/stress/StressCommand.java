package io.permits.stress;

import io.permits.Fairness;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code bin/stress}: the randomized stress run of {@link io.permits.LocalSemaphore}, one
 * {@link StressRun} per fairness mode, each reported as it ends: its operations, their rate and
 * kinds, and the violations of the rules found (figures in docs/testing.md).
 *
 * <pre>
 * $ bin/stress --ops 10000000
 * stress: 10,000,000 ops per mode, 6 threads, seed …, limit 8 (resizes to 1..16): STRICT, …
 * STRICT   10,000,000 ops in … s = … ops/s; … generations; 0 violations
 * ...
 * </pre>
 *
 * <p>Exit code: 0 if no rule was broken, 1 if any was (each violation is printed with the command
 * that replays it), 2 for a usage error.
 */
@Command(
    name = "stress",
    sortOptions = false,
    usageHelpAutoWidth = true,
    defaultValueProvider = StressCommand.ComputedDefaults.class,
    description = {
      "Randomized stress run of LocalSemaphore. T worker threads mix acquire(n), tryAcquire(n),"
          + " tryAcquire(n, tiny timeouts) and acquireAsync(n) with cancel, get() and callbacks;"
          + " a chaos thread interrupts them; they resize the limit, close the semaphore and"
          + " replace it, hand permits to each other to close, and close permits twice.",
      "An external ledger of the permits held checks the bound at every grant (allowing for"
          + " holders from before a shrink); at the end every semaphore must have all its"
          + " permits back and nobody waiting.",
      "",
      "Seeds: worker i draws its operations from seed + i, so a seed replays each thread's"
          + " sequence of operations (kinds, timeouts, new limits, weights as a share of the"
          + " limit of the moment), not the interleaving of the threads, which the scheduler"
          + " decides: a violation may need several runs of its seed to show again.",
      ""
    },
    footer = {
      "",
      "Exit code: 0 if no rule was broken; 1 if any was (each violation is printed with the"
          + " command that replays it); 2 for a usage error."
    })
public final class StressCommand implements Callable<Integer> {

  /** This command as picocli sees it; gives the output stream and usage errors. */
  @Spec CommandSpec spec;

  @Option(
      names = "--ops",
      paramLabel = "N",
      defaultValue = "1000000",
      description = "Operations per fairness mode, split across the threads (default: ${DEFAULT-VALUE}).")
  long ops;

  @Option(
      names = "--threads",
      paramLabel = "T",
      description = "Worker threads (default: 2 × processors + 2, here ${DEFAULT-VALUE}).")
  int threads;

  @Option(
      names = "--seed",
      paramLabel = "S",
      description = "The seed (default: a random one, printed).")
  Long seed;

  @Option(
      names = "--fairness",
      paramLabel = "MODE",
      defaultValue = "all",
      description = "STRICT, BOUNDED, BARGING, or all of them in turn (default: ${DEFAULT-VALUE}).")
  String fairness;

  @Option(
      names = "--limit",
      paramLabel = "L",
      defaultValue = "8",
      description = "The limit each semaphore starts with; resizes choose from 1 to 2L (default: ${DEFAULT-VALUE}).")
  int limit;

  @Option(
      names = "--stall-timeout",
      paramLabel = "SECONDS",
      defaultValue = "30",
      description = "Report a stall (and stop) after this long without progress (default: ${DEFAULT-VALUE}).")
  int stallSeconds;

  @Option(
      names = {"-h", "--help"},
      usageHelp = true,
      description = "Show this help and exit.")
  boolean help;

  /** Creates the command; picocli calls this. */
  public StressCommand() {}

  /**
   * Runs {@code bin/stress} and exits the JVM with its exit code.
   *
   * @param args the command-line arguments, e.g. {@code --ops 10000000 --fairness strict}
   */
  public static void main(String[] args) {
    System.exit(newCommandLine().execute(args));
  }

  /**
   * Builds the command line, as {@link #main(String[])} and the tests use it.
   *
   * @return a new command line; call {@link CommandLine#execute(String...)} on it
   */
  public static CommandLine newCommandLine() {
    return new CommandLine(new StressCommand());
  }

  /**
   * Runs each chosen mode in turn and prints its report as it ends, then a total line.
   *
   * @return 0 if no violation, 1 otherwise
   */
  @Override
  public Integer call() {
    List<Fairness> modes = modes();
    StressConfig config;
    try {
      config =
          new StressConfig(
              ops,
              threads,
              seed != null ? seed : StressConfig.randomSeed(),
              limit,
              Duration.ofSeconds(stallSeconds));
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage(), e);
    }
    PrintWriter out = spec.commandLine().getOut();
    out.printf(
        Locale.ROOT,
        "stress: %,d ops per mode, %d threads, seed %d, limit %d (resizes to 1..%d): %s%n",
        config.ops(),
        config.threads(),
        config.seed(),
        config.limit(),
        config.maxLimit(),
        String.join(", ", modes.stream().map(Fairness::name).toList()));
    out.flush();
    long totalOps = 0;
    long totalNanos = 0;
    long totalViolations = 0;
    List<String> failed = new ArrayList<>();
    for (Fairness mode : modes) {
      ModeReport report = StressRun.run(config, mode);
      out.println(report.summary());
      for (Violation violation : report.violations()) {
        out.println(violation);
      }
      long unlisted = report.violationCount() - report.violations().size();
      if (unlisted > 0) {
        out.printf(Locale.ROOT, "... and %,d more violations in %s%n", unlisted, mode);
      }
      out.flush();
      totalOps += report.ops();
      totalNanos += report.elapsed().toNanos();
      totalViolations += report.violationCount();
      if (!report.passed()) {
        failed.add(mode + " (replay: " + config.replayCommand(mode) + ")");
      }
    }
    out.printf(
        Locale.ROOT,
        "total: %,d ops in %.2f s = %,.0f ops/s; %,d violations; seed %d%n",
        totalOps,
        totalNanos / 1e9,
        totalNanos > 0 ? totalOps / (totalNanos / 1e9) : 0.0,
        totalViolations,
        config.seed());
    for (String mode : failed) {
      out.println("FAILED: " + mode);
    }
    out.flush();
    return totalViolations == 0 ? 0 : 1;
  }

  /** Defaults that depend on the machine: the thread count. */
  static final class ComputedDefaults implements CommandLine.IDefaultValueProvider {
    @Override
    public String defaultValue(CommandLine.Model.ArgSpec argument) {
      if (argument instanceof CommandLine.Model.OptionSpec option
          && option.longestName().equals("--threads")) {
        return String.valueOf(StressConfig.defaultThreads());
      }
      return null; // the annotation's defaultValue, if any
    }
  }

  private List<Fairness> modes() {
    if (fairness.equalsIgnoreCase("all")) {
      return List.of(Fairness.values());
    }
    try {
      return List.of(Fairness.valueOf(fairness.toUpperCase(Locale.ROOT)));
    } catch (IllegalArgumentException e) {
      throw new ParameterException(
          spec.commandLine(),
          "--fairness must be STRICT, BOUNDED, BARGING or all, was '" + fairness + "'");
    }
  }
}
