package io.permits.file;

import io.permits.backend.ThisHost;
import org.jspecify.annotations.Nullable;

/** Facts about this process that its holder records carry, read once. */
final class ThisProcess {

  static final long PID = ProcessHandle.current().pid();

  private static volatile @Nullable String command; // read once, on first use

  private ThisProcess() {}

  /** The host name (see {@link ThisHost#name()}). */
  static String host() {
    return ThisHost.name();
  }

  /**
   * This JVM's command line with the class path left out (it is long and says little; the main
   * class and arguments come after it), or "" when the OS does not say.
   */
  static String command() {
    String known = command;
    if (known == null) {
      ProcessHandle.Info info = ProcessHandle.current().info();
      String[] arguments = info.arguments().orElse(new String[0]);
      known = info.command().map(binary -> join(binary, arguments)).orElse("");
      command = known;
    }
    return known;
  }

  static String join(String binary, String[] arguments) {
    StringBuilder line = new StringBuilder(binary);
    for (int i = 0; i < arguments.length; i++) {
      line.append(' ').append(arguments[i]);
      boolean classPath =
          arguments[i].equals("-cp")
              || arguments[i].equals("-classpath")
              || arguments[i].equals("--class-path");
      if (classPath && i + 1 < arguments.length) {
        line.append(" …");
        i++;
      }
    }
    return line.toString();
  }
}
