package io.permits.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * Passes SIGINT and SIGTERM on to a child process, instead of letting them end the JVM: the
 * child decides how to stop, and the permit is released when it has. Installed just before the
 * child starts; a signal that arrives before {@link #attach} is kept and passed on as soon as
 * the child exists. SIGTERM is sent with {@link Process#destroy()}; Java has no call for SIGINT,
 * so it is sent with {@code kill -INT}. Uses {@code sun.misc.Signal} (module jdk.unsupported),
 * the one JDK API for handling signals. A signal the JVM was started ignoring (a background job's
 * SIGINT) stays ignored.
 *
 * <p>Ctrl-C at a terminal sends SIGINT to the whole foreground process group, the command
 * included; forwarding it too would give the command two, and many programs take a second
 * SIGINT as "stop now, skip the clean-up". So SIGINT is not forwarded while this process is in
 * the foreground group of a terminal (read from {@code /proc/self/stat}, Linux); a SIGINT sent
 * to this process alone ({@code kill -INT}) from a script is.
 */
final class SignalForwarding implements AutoCloseable {

  private static final String[] FORWARDED = {"INT", "TERM"};

  private final SignalHandler[] previous = new SignalHandler[FORWARDED.length];
  private final List<String> early = new ArrayList<>();
  private final ReentrantLock lock = new ReentrantLock();
  private Process child; // guarded by lock

  private SignalForwarding() {
    for (int i = 0; i < FORWARDED.length; i++) {
      String name = FORWARDED[i];
      previous[i] = Signal.handle(new Signal(name), signal -> received(name));
    }
  }

  /** Starts catching SIGINT and SIGTERM; {@link #close()} restores the JVM's own handling. */
  static SignalForwarding install() {
    return new SignalForwarding();
  }

  /** Passes on the signals caught so far, and from now on every one, to {@code started}. */
  void attach(Process started) {
    List<String> pending;
    lock.lock(); // signal handlers run on a thread of their own
    try {
      child = started;
      pending = List.copyOf(early);
      early.clear();
    } finally {
      lock.unlock();
    }
    pending.forEach(signal -> forward(started, signal));
  }

  private void received(String signal) {
    if (signal.equals("INT") && inTerminalForeground()) {
      return; // the terminal sent it to the command as well
    }
    Process target;
    lock.lock();
    try {
      target = child;
      if (target == null) {
        early.add(signal);
        return;
      }
    } finally {
      lock.unlock();
    }
    forward(target, signal);
  }

  private static void forward(Process child, String signal) {
    if (!child.isAlive()) {
      return;
    }
    if (signal.equals("TERM")) {
      child.destroy();
      return;
    }
    try {
      new ProcessBuilder("kill", "-" + signal, Long.toString(child.pid()))
          .redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.DISCARD)
          .start();
    } catch (IOException noKill) {
      child.destroy(); // no kill(1) on the PATH: SIGTERM is the next best thing
    }
  }

  /**
   * Whether this process belongs to the foreground process group of its controlling terminal:
   * fields 5 (pgrp) and 8 (tpgid) of {@code /proc/self/stat} are equal. False where there is no
   * such file, or no terminal (tpgid -1).
   */
  static boolean inTerminalForeground() {
    try {
      return inTerminalForeground(Files.readString(Path.of("/proc/self/stat")));
    } catch (IOException | RuntimeException unknown) {
      return false;
    }
  }

  /** {@link #inTerminalForeground()} from the text of a {@code /proc/PID/stat} file. */
  static boolean inTerminalForeground(String stat) {
    try {
      // "pid (comm) state ppid pgrp session tty_nr tpgid ...": comm may hold spaces
      String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      long processGroup = Long.parseLong(fields[2]);
      long terminalForeground = Long.parseLong(fields[5]);
      return terminalForeground > 0 && terminalForeground == processGroup;
    } catch (RuntimeException unknown) {
      return false;
    }
  }

  @Override
  public void close() {
    for (int i = 0; i < FORWARDED.length; i++) {
      Signal.handle(new Signal(FORWARDED[i]), previous[i]);
    }
  }
}
