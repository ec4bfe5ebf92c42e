package io.permits.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import org.openjdk.jmh.profile.GCProfiler;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Runs every benchmark of this module on every {@link SemaphoreType} and writes one Markdown
 * report: the figures with their spread, the ratios against the JDK's non-fair and fair semaphores,
 * and the performance goals marked met or not. This is what {@code bin/bench} runs:
 *
 * <pre>{@code
 * bin/bench quick                        # < 10 minutes: 1 fork, 3 short iterations
 * bin/bench full                         # ~16 minutes: 2 forks, 5 iterations; drivers 3 × 5 s
 * bin/bench quick --only pair,fairness   # some sections: pair, vthreads, fairness, wholeset, async
 * bin/bench quick --types DEFAULT,JDK_NONFAIR,JDK_FAIR
 * }</pre>
 *
 * <p>The sections run one after the other: {@link AcquireReleaseBenchmark} in its three shapes (the
 * uncontended one with JMH's GC profiler), {@link VirtualThreadsBenchmark}, then {@link
 * FairnessDriver} (both scenarios) and {@link AsyncDriver}, each driver in a fresh JVM per type, as
 * JMH forks one per benchmark, so no type's code shapes another's JIT profile. JMH's own output and
 * each driver's output go to log files in the {@code --logs} directory; progress goes to standard
 * error; the report goes to standard output and to {@code --out}.
 */
public final class BenchMain {

  /** How long and how often each section measures. */
  enum Profile {
    // virtual threads: one operation takes 0.3 to 2 s and the first two or three are up to 4x
    // slower than the rest, so their warm-up is 4 iterations (at least one operation each)
    QUICK(1, 2, 1, 3, 1, 4, 1, 3, 1, 1.0, 3, 2.0),
    FULL(2, 3, 1, 5, 1, 4, 2, 5, 2, 2.0, 3, 5.0);

    final int forks;
    final int warmups;
    final int warmupSeconds;
    final int iterations;
    final int iterationSeconds;
    final int threadsWarmups;
    final int threadsWarmupSeconds;
    final int threadsIterations;
    final int threadsIterationSeconds;
    final double driverWarmupSeconds;
    final int driverIterations;
    final double driverSeconds;

    Profile(
        int forks,
        int warmups,
        int warmupSeconds,
        int iterations,
        int iterationSeconds,
        int threadsWarmups,
        int threadsWarmupSeconds,
        int threadsIterations,
        int threadsIterationSeconds,
        double driverWarmupSeconds,
        int driverIterations,
        double driverSeconds) {
      this.forks = forks;
      this.warmups = warmups;
      this.warmupSeconds = warmupSeconds;
      this.iterations = iterations;
      this.iterationSeconds = iterationSeconds;
      this.threadsWarmups = threadsWarmups;
      this.threadsWarmupSeconds = threadsWarmupSeconds;
      this.threadsIterations = threadsIterations;
      this.threadsIterationSeconds = threadsIterationSeconds;
      this.driverWarmupSeconds = driverWarmupSeconds;
      this.driverIterations = driverIterations;
      this.driverSeconds = driverSeconds;
    }

    String describe() {
      return String.format(
          Locale.ROOT,
          "JMH %d fork(s), %d × %d s warm-up, %d × %d s measured (virtual threads: %d × %d s,"
              + " %d × %d s); drivers %.0f s warm-up, %d × %.0f s measured",
          forks,
          warmups,
          warmupSeconds,
          iterations,
          iterationSeconds,
          threadsWarmups,
          threadsWarmupSeconds,
          threadsIterations,
          threadsIterationSeconds,
          driverWarmupSeconds,
          driverIterations,
          driverSeconds);
    }
  }

  static final List<String> SECTIONS = List.of("pair", "vthreads", "fairness", "wholeset", "async");
  static final String USAGE =
      "bin/bench [quick|full] [--only "
          + String.join(",", SECTIONS)
          + "] [--types "
          + String.join(",", Arrays.stream(SemaphoreType.values()).map(Enum::name).toList())
          + "] [--out FILE] [--logs DIR]";

  private final Profile profile;
  private final Set<String> sections;
  private final Set<SemaphoreType> types;
  private final Path out;
  private final Path logs;
  private final long startedAt = System.nanoTime();
  private final Results results = new Results();

  private BenchMain(
      Profile profile, Set<String> sections, Set<SemaphoreType> types, Path out, Path logs) {
    this.profile = profile;
    this.sections = sections;
    this.types = types;
    this.out = out;
    this.logs = logs;
  }

  /**
   * Runs the benchmarks and prints the report; see the class comment for the arguments.
   *
   * @param args {@code quick} or {@code full}, then options
   * @throws Exception if a benchmark fails
   */
  public static void main(String[] args) throws Exception {
    Profile profile = Profile.QUICK;
    Set<String> sections = new LinkedHashSet<>(SECTIONS);
    Set<SemaphoreType> types = EnumSet.allOf(SemaphoreType.class);
    Path out = Path.of("bench-results.md");
    Path logs = Path.of("bench-logs");
    try {
      for (int i = 0; i < args.length; i++) {
        switch (args[i]) {
          case "quick" -> profile = Profile.QUICK;
          case "full" -> profile = Profile.FULL;
          case "--only" -> {
            sections = new LinkedHashSet<>(Arrays.asList(value(args, ++i).split(",")));
            if (!SECTIONS.containsAll(sections)) {
              throw new IllegalArgumentException("--only takes " + SECTIONS + ", got " + sections);
            }
          }
          case "--types" -> {
            types = EnumSet.noneOf(SemaphoreType.class);
            for (String name : value(args, ++i).split(",")) {
              types.add(SemaphoreType.valueOf(name));
            }
          }
          case "--out" -> out = Path.of(value(args, ++i));
          case "--logs" -> logs = Path.of(value(args, ++i));
          case "-h", "--help" -> {
            System.out.println("usage: " + USAGE);
            return;
          }
          default -> throw new IllegalArgumentException("unknown argument '" + args[i] + "'");
        }
      }
    } catch (IllegalArgumentException e) {
      System.err.println("bin/bench: " + e.getMessage() + "\nusage: " + USAGE);
      System.exit(2);
    }
    new BenchMain(profile, sections, types, out, logs).run();
  }

  private static String value(String[] args, int i) {
    if (i >= args.length) {
      throw new IllegalArgumentException(args[i - 1] + " needs a value");
    }
    return args[i];
  }

  private void run() throws Exception {
    Files.createDirectories(logs);
    String loadBefore = Machine.loadAverage();
    progress("profile " + profile.name().toLowerCase(Locale.ROOT) + ": " + profile.describe());
    progress("load average at start: " + loadBefore);
    if (sections.contains("pair")) {
      for (Results.PairShape shape : Results.PairShape.values()) {
        runPairs(shape);
      }
    }
    if (sections.contains("vthreads")) {
      runVirtualThreads();
    }
    if (sections.contains("fairness")) {
      runDrivers(
          "oversubscribed",
          results.oversubscribed,
          FairnessDriver.class,
          t -> true,
          "--scenario",
          "oversubscribed");
    }
    if (sections.contains("wholeset")) {
      runDrivers(
          "whole-set",
          results.wholeSet,
          FairnessDriver.class,
          t -> t.create(4).supportsWeighted(),
          "--scenario",
          "whole-set");
    }
    if (sections.contains("async")) {
      runDrivers("async", results.async, AsyncDriver.class, SemaphoreType::isPermits);
    }
    long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - startedAt);
    String took = String.format(Locale.ROOT, "%d min %02d s", seconds / 60, seconds % 60);
    String report =
        new Report(results, profile, types, loadBefore, Machine.loadAverage(), took).render();
    Files.createDirectories(out.toAbsolutePath().getParent());
    Files.writeString(out, report, StandardCharsets.UTF_8);
    System.out.print(report);
    progress("done in " + took + "; report written to " + out);
  }

  // ---------------------------------------------------------------- JMH sections

  private void runPairs(Results.PairShape shape) throws RunnerException {
    boolean gc = shape == Results.PairShape.UNCONTENDED;
    String log = "jmh-pair-" + shape.threads + "t-" + shape.permits + "p.log";
    progress(
        "pair, "
            + shape.label
            + (gc ? ", with -prof gc" : "")
            + " (log: "
            + logs.resolve(log)
            + ")");
    ChainedOptionsBuilder options =
        jmh(
                AcquireReleaseBenchmark.class,
                log,
                profile.warmups,
                profile.warmupSeconds,
                profile.iterations,
                profile.iterationSeconds)
            .threads(shape.threads)
            .param("permits", Integer.toString(shape.permits));
    if (gc) {
      options.addProfiler(GCProfiler.class);
    }
    Map<SemaphoreType, Measure> byType = new EnumMap<>(SemaphoreType.class);
    for (RunResult run : new Runner(options.build()).run()) {
      SemaphoreType type = SemaphoreType.valueOf(run.getParams().getParam("type"));
      byType.put(type, measure(run));
      if (gc) {
        Result<?> norm = run.getSecondaryResults().get("gc.alloc.rate.norm");
        if (norm != null) {
          results.bytesPerPair.put(type, norm.getScore());
        }
      }
    }
    results.pairs.put(shape, byType);
  }

  private void runVirtualThreads() throws RunnerException {
    String log = "jmh-virtual-threads.log";
    progress("10,000 virtual threads × 100 rounds on 100 permits (log: " + logs.resolve(log) + ")");
    ChainedOptionsBuilder options =
        jmh(
            VirtualThreadsBenchmark.class,
            log,
            profile.threadsWarmups,
            profile.threadsWarmupSeconds,
            profile.threadsIterations,
            profile.threadsIterationSeconds);
    long pairsPerRun = 0;
    for (RunResult run : new Runner(options.build()).run()) {
      SemaphoreType type = SemaphoreType.valueOf(run.getParams().getParam("type"));
      results.virtualThreadMillis.put(type, measure(run));
      pairsPerRun =
          Long.parseLong(run.getParams().getParam("threads"))
              * Long.parseLong(run.getParams().getParam("rounds"));
    }
    results.virtualThreadPairsPerRun = pairsPerRun;
  }

  private ChainedOptionsBuilder jmh(
      Class<?> benchmark, String log, int warmups, int warmupSeconds, int iterations, int seconds) {
    return new OptionsBuilder()
        .include(Pattern.quote(benchmark.getName()) + "\\.")
        .param("type", types.stream().map(Enum::name).toArray(String[]::new))
        .forks(profile.forks)
        .warmupIterations(warmups)
        .warmupTime(TimeValue.seconds(warmupSeconds))
        .measurementIterations(iterations)
        .measurementTime(TimeValue.seconds(seconds))
        .shouldFailOnError(true)
        .output(logs.resolve(log).toString());
  }

  private static Measure measure(RunResult run) {
    Result<?> primary = run.getPrimaryResult();
    return Measure.jmh(
        primary.getScore(),
        primary.getScoreError(),
        primary.getStatistics().getMin(),
        primary.getStatistics().getMax());
  }

  // ---------------------------------------------------------------- driver sections

  private void runDrivers(
      String name,
      Map<SemaphoreType, Results.DriverRun> into,
      Class<?> driver,
      Predicate<SemaphoreType> supported,
      String... extra)
      throws IOException, InterruptedException {
    progress(
        name
            + " driver, "
            + types.size()
            + " types (logs: "
            + logs.resolve("driver-" + name + "-*.log")
            + ")");
    for (SemaphoreType type : types) {
      if (!supported.test(type)) {
        into.put(type, new Results.DriverRun(List.of(), "n/a", null));
        continue;
      }
      List<String> command = new ArrayList<>();
      command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
      command.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
      command.add("-cp");
      command.add(System.getProperty("java.class.path"));
      command.add(driver.getName());
      command.addAll(List.of("--type", type.name()));
      command.addAll(List.of(extra));
      command.addAll(
          List.of(
              "--warmup", Double.toString(profile.driverWarmupSeconds),
              "--iterations", Integer.toString(profile.driverIterations),
              "--seconds", Double.toString(profile.driverSeconds)));
      into.put(type, runDriver(command, logs.resolve("driver-" + name + "-" + type + ".log")));
      progress("  " + type.label() + ": " + summary(into.get(type)));
    }
  }

  private Results.DriverRun runDriver(List<String> command, Path log)
      throws IOException, InterruptedException {
    Process process =
        new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    long budget =
        (long) (profile.driverWarmupSeconds + profile.driverIterations * profile.driverSeconds)
            + 120;
    if (!process.waitFor(budget, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      return new Results.DriverRun(List.of(), null, "did not finish within " + budget + " s");
    }
    List<Map<String, String>> iterations = new ArrayList<>();
    String unsupported = null;
    for (String line : Files.readAllLines(log, StandardCharsets.UTF_8)) {
      if (line.startsWith("RESULT ")) {
        Map<String, String> values = new HashMap<>();
        for (String pair : line.substring(7).trim().split(" ")) {
          int eq = pair.indexOf('=');
          values.put(pair.substring(0, eq), pair.substring(eq + 1));
        }
        iterations.add(values);
      } else if (line.startsWith("UNSUPPORTED ")) {
        unsupported = "n/a";
      }
    }
    if (process.exitValue() != 0) {
      return new Results.DriverRun(
          iterations, null, "exit " + process.exitValue() + ", see " + log);
    }
    return new Results.DriverRun(iterations, unsupported, null);
  }

  private static String summary(Results.DriverRun run) {
    if (run.failure() != null) {
      return "FAILED: " + run.failure();
    }
    if (!run.ok()) {
      return "n/a";
    }
    return Measure.ofIterations(run.rates("pairs"), false).format(Measure.Unit.RATE) + " pairs/s";
  }

  private void progress(String message) {
    long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - startedAt);
    System.err.printf(Locale.ROOT, "bench [%3d:%02d] %s%n", seconds / 60, seconds % 60, message);
  }
}
