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

  /** This JVM's command line, or "" when the OS does not say. */
  static String command() {
    String known = command;
    if (known == null) {
      known = ProcessHandle.current().info().commandLine().orElse("");
      command = known;
    }
    return known;
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
