package io.permits.file;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;

/** Facts about this process that its holder records carry, read once. */
final class ThisProcess {

  static final long PID = ProcessHandle.current().pid();

  private static volatile String host;
  private static volatile String command;

  private ThisProcess() {}

  /** The host name: from the kernel on Linux (no DNS look-up), else from InetAddress. */
  static String host() {
    String known = host;
    if (known == null) {
      known = readHost();
      host = known;
    }
    return known;
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

  private static String readHost() {
    try {
      Path kernel = Path.of("/proc/sys/kernel/hostname");
      if (Files.isReadable(kernel)) {
        return Files.readString(kernel).trim();
      }
      return InetAddress.getLocalHost().getHostName();
    } catch (IOException | RuntimeException unknown) {
      return "localhost";
    }
  }
}
