package io.permits.cli;

import java.io.IOException;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * Passes SIGINT and SIGTERM on to a child process while it runs, instead of letting them end the
 * JVM: the child decides how to stop, and the permit is released when it has. SIGTERM is sent
 * with {@link Process#destroy()}; Java has no call for SIGINT, so it is sent with {@code kill
 * -INT}. Uses {@code sun.misc.Signal} (module jdk.unsupported), the one JDK API for handling
 * signals.
 */
final class SignalForwarding implements AutoCloseable {

  private static final String[] FORWARDED = {"INT", "TERM"};

  private final SignalHandler[] previous = new SignalHandler[FORWARDED.length];

  private SignalForwarding(Process child) {
    for (int i = 0; i < FORWARDED.length; i++) {
      String name = FORWARDED[i];
      previous[i] = Signal.handle(new Signal(name), signal -> forward(child, name));
    }
  }

  /** Starts forwarding to {@code child}; {@link #close()} restores the JVM's own handling. */
  static SignalForwarding to(Process child) {
    return new SignalForwarding(child);
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

  @Override
  public void close() {
    for (int i = 0; i < FORWARDED.length; i++) {
      Signal.handle(new Signal(FORWARDED[i]), previous[i]);
    }
  }
}
