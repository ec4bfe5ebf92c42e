package io.permits.testsupport;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Another JVM, started from this one's java binary and class path, for tests of what crosses
 * processes: a holder killed with {@code kill -9}, a process stopped and continued, signals.
 * Its stdout is read line by line on a daemon thread, so a test can wait for a line the child
 * prints when it reaches a point ("held", say) instead of sleeping; its stderr is copied to this
 * JVM's by another. The child never holds this JVM's own stderr: a child that outlived its test
 * would keep the build tool's pipe open, and the build would wait for it to end.
 *
 * <pre>{@code
 * try (ForkedJvm holder = ForkedJvm.start(HoldMain.class, directory.toString(), "db")) {
 *   holder.awaitLine("held");
 *   holder.kill();  // SIGKILL
 * }
 * }</pre>
 */
public final class ForkedJvm implements AutoCloseable {

  /**
   * How long the await methods wait before calling it a failure: the TCK's {@code
   * Await.PATIENCE}, long enough not to fire on a loaded machine.
   */
  private static final Duration PATIENCE = Duration.ofSeconds(20);

  private final Process process;
  private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
  private final List<String> seen = new ArrayList<>();

  private ForkedJvm(Process process) {
    this.process = process;
    Thread reader =
        Thread.ofPlatform()
            .daemon()
            .name("forked-jvm-" + process.pid() + "-stdout")
            .start(this::readLines);
    reader.setUncaughtExceptionHandler((thread, failure) -> {});
    Thread.ofPlatform()
        .daemon()
        .name("forked-jvm-" + process.pid() + "-stderr")
        .start(() -> copyErrors(process));
  }

  /**
   * Starts {@code main} in a new JVM with this JVM's class path.
   *
   * @param main the class whose main method runs
   * @param args its arguments
   * @return the running JVM
   */
  public static ForkedJvm start(Class<?> main, String... args) {
    return start(main.getName(), List.of(), args);
  }

  /**
   * Starts a main class in a new JVM with this JVM's class path and some JVM options.
   *
   * @param mainClass the name of the class whose main method runs
   * @param jvmOptions options for the java command, before the class name
   * @param args its arguments
   * @return the running JVM
   */
  public static ForkedJvm start(String mainClass, List<String> jvmOptions, String... args) {
    return start(List.of(), mainClass, jvmOptions, args);
  }

  /**
   * Like {@link #start(String, List, String...)}, in a new session ({@code setsid}): no
   * controlling terminal and a process group of its own, whatever this JVM has.
   *
   * @param mainClass the name of the class whose main method runs
   * @param jvmOptions options for the java command, before the class name
   * @param args its arguments
   * @return the running JVM (its pid is the JVM's: setsid execs it)
   */
  public static ForkedJvm startInNewSession(
      String mainClass, List<String> jvmOptions, String... args) {
    return start(List.of("setsid"), mainClass, jvmOptions, args);
  }

  private static ForkedJvm start(
      List<String> prefix, String mainClass, List<String> jvmOptions, String... args) {
    List<String> command = new ArrayList<>(prefix);
    command.add(javaBinary().toString());
    command.addAll(jvmOptions);
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(mainClass);
    command.addAll(List.of(args));
    try {
      return new ForkedJvm(
          new ProcessBuilder(command)
              .redirectError(ProcessBuilder.Redirect.PIPE)
              .redirectInput(ProcessBuilder.Redirect.PIPE)
              .start());
    } catch (IOException failure) {
      throw new UncheckedIOException("cannot start " + command, failure);
    }
  }

  /**
   * The java binary of this JVM.
   *
   * @return its path
   */
  public static Path javaBinary() {
    return Path.of(System.getProperty("java.home"), "bin", "java");
  }

  /**
   * The child process.
   *
   * @return the process
   */
  public Process process() {
    return process;
  }

  /**
   * Waits for the child to print a line equal to {@code expected}, at most 20 s; lines before
   * it are kept in {@link #linesSeen()}.
   *
   * @param expected the line
   * @throws AssertionError if the child exits or the patience runs out first
   * @throws InterruptedException if interrupted while waiting
   */
  public void awaitLine(String expected) throws InterruptedException {
    awaitLineThat(expected::equals, "'" + expected + "'");
  }

  /**
   * Waits for the child to print a line that starts with {@code prefix}, and returns it.
   *
   * @param prefix the start of the line
   * @return the whole line
   * @throws AssertionError if the child exits or the patience runs out first
   * @throws InterruptedException if interrupted while waiting
   */
  public String awaitLineStartingWith(String prefix) throws InterruptedException {
    return awaitLineThat(line -> line.startsWith(prefix), "a line starting with '" + prefix + "'");
  }

  private String awaitLineThat(java.util.function.Predicate<String> wanted, String description)
      throws InterruptedException {
    long deadline = System.nanoTime() + PATIENCE.toNanos();
    while (true) {
      long left = deadline - System.nanoTime();
      String line = left > 0 ? lines.poll(Math.min(left, 50_000_000L), TimeUnit.NANOSECONDS) : null;
      if (line != null) {
        seen.add(line);
        if (wanted.test(line)) {
          return line;
        }
      } else if (left <= 0 || (!process.isAlive() && lines.isEmpty())) {
        throw new AssertionError(
            "pid "
                + process.pid()
                + " did not print "
                + description
                + (process.isAlive() ? " within " + PATIENCE : " before it exited")
                + "; it printed "
                + seen);
      }
    }
  }

  /**
   * The lines read by {@link #awaitLine} so far.
   *
   * @return the lines, in order
   */
  public List<String> linesSeen() {
    return List.copyOf(seen);
  }

  /**
   * Waits for the child to exit, at most 20 s.
   *
   * @return its exit code
   * @throws AssertionError if it is still running after that
   * @throws InterruptedException if interrupted while waiting
   */
  public int awaitExit() throws InterruptedException {
    if (!process.waitFor(PATIENCE.toNanos(), TimeUnit.NANOSECONDS)) {
      throw new AssertionError("pid " + process.pid() + " still runs after " + PATIENCE);
    }
    return process.exitValue();
  }

  /**
   * Kills the child with SIGKILL and waits for it to be gone.
   *
   * @throws InterruptedException if interrupted while waiting
   */
  public void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor();
  }

  /** Kills the child if it still runs. */
  @Override
  public void close() {
    process.destroyForcibly();
  }

  private static void copyErrors(Process process) {
    try (var errors = process.getErrorStream()) {
      errors.transferTo(System.err);
    } catch (IOException closed) {
      // the child is gone
    }
  }

  private void readLines() {
    try (BufferedReader reader =
        new BufferedReader(
            new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
      for (String line = reader.readLine(); line != null; line = reader.readLine()) {
        lines.add(line);
      }
    } catch (IOException closed) {
      // the child is gone
    }
  }
}
