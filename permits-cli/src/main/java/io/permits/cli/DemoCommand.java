package io.permits.cli;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.Arrays;
import java.util.Iterator;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.TypeConversionException;

/**
 * {@code permits demo [basic|timeout|pool] [--hold DURATION]}: runs the Python {@code
 * threading.Semaphore} tutorial's programs, written with permits, and prints the same lines.
 *
 * <pre>
 * $ permits demo timeout --hold 3s
 * Thread-1 is using the resource
 * Thread-2 is using the resource
 * Thread-3 could not acquire the resource
 * ...
 * All tasks completed
 * </pre>
 *
 * <p>Without a program name it runs all three, in order, each after a header line.
 */
@Command(
    name = "demo",
    sortOptions = false,
    description = {
      "Runs the programs of Python's threading.Semaphore tutorial, written with permits.",
      "They print the same lines as the tutorial's:",
      "  basic    5 threads share Semaphore.of(2), each in try-with-resources",
      "  timeout  5 threads, 2 permits, tryAcquire(Duration.ofSeconds(1)); some give up",
      "  pool     10 tasks on a BoundedExecutor over Semaphore.of(3)",
      "Without PROGRAM, runs all three in that order."
    })
public final class DemoCommand implements Callable<Integer> {

  /** This command as picocli sees it; gives the output stream (tests capture it). */
  @Spec CommandSpec spec;

  /** The program to run, or null for all three. */
  @Parameters(
      index = "0",
      arity = "0..1",
      paramLabel = "PROGRAM",
      converter = Program.Converter.class,
      completionCandidates = Program.Names.class,
      description = "One of: ${COMPLETION-CANDIDATES}; all three when omitted.")
  Program program;

  /** How long each thread or task holds its permit. */
  @Option(
      names = "--hold",
      paramLabel = "DURATION",
      defaultValue = "2s",
      converter = DurationConverter.class,
      description =
          "How long each thread or task holds its permit, e.g. 100ms, 2s, 1m, PT2S"
              + " (default: ${DEFAULT-VALUE}, as in the tutorial).")
  Duration hold;

  /** Creates the command; picocli calls this. */
  public DemoCommand() {}

  /**
   * Runs the chosen program, or all three.
   *
   * @return 0
   * @throws Exception if a program's thread or task failed, or the wait was interrupted
   */
  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    Tutorial tutorial = new Tutorial(out, hold);
    if (program != null) {
      program.run(tutorial);
      return 0;
    }
    boolean first = true;
    for (Program each : Program.values()) {
      if (!first) {
        out.println();
      }
      first = false;
      out.println("== " + each.header(hold) + " ==");
      out.flush();
      each.run(tutorial);
    }
    return 0;
  }

  /** The tutorial's programs, in the order the tutorial shows them. */
  enum Program {
    /** Five threads, two permits, try-with-resources. */
    BASIC {
      @Override
      void run(Tutorial tutorial) throws Exception {
        tutorial.basic();
      }

      @Override
      String header(Duration hold) {
        return "basic: 5 threads share Semaphore.of(2), each holds a permit for "
            + DurationConverter.format(hold);
      }
    },
    /** Five threads, two permits, a one-second timed acquire. */
    TIMEOUT {
      @Override
      void run(Tutorial tutorial) throws Exception {
        tutorial.timeout();
      }

      @Override
      String header(Duration hold) {
        return "timeout: 5 threads, 2 permits, each waits at most "
            + DurationConverter.format(Tutorial.ACQUIRE_TIMEOUT)
            + " and holds for "
            + DurationConverter.format(hold);
      }
    },
    /** Ten tasks on a bounded executor of three. */
    POOL {
      @Override
      void run(Tutorial tutorial) throws Exception {
        tutorial.pool();
      }

      @Override
      String header(Duration hold) {
        return "pool: 10 tasks on a BoundedExecutor over Semaphore.of(3), each runs for "
            + DurationConverter.format(hold);
      }
    };

    /** Runs this program of {@code tutorial}. */
    abstract void run(Tutorial tutorial) throws Exception;

    /** The header line printed before this program when all three run. */
    abstract String header(Duration hold);

    /** Returns the name as typed on the command line. */
    String label() {
      return name().toLowerCase(Locale.ROOT);
    }

    /** Reads a program name as typed (lower case). */
    static final class Converter implements ITypeConverter<Program> {
      /** Creates the converter; picocli calls this. */
      Converter() {}

      /** Returns the program named {@code value}, or throws a message that quotes it. */
      @Override
      public Program convert(String value) {
        for (Program each : values()) {
          if (each.label().equals(value)) {
            return each;
          }
        }
        throw new TypeConversionException(
            "'" + value + "' is not a demo program: expected one of " + String.join(", ", new Names()));
      }
    }

    /** The names for help and shell completion: basic, timeout, pool. */
    static final class Names implements Iterable<String> {
      /** Creates the list; picocli calls this. */
      Names() {}

      /** Returns the names in the tutorial's order. */
      @Override
      public Iterator<String> iterator() {
        return Arrays.stream(values()).map(Program::label).collect(Collectors.toList()).iterator();
      }
    }
  }
}
