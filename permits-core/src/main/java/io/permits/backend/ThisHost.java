package io.permits.backend;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import org.jspecify.annotations.Nullable;

/**
 * Who this process is, as the shared backends record it with each holder and waiter (for {@code
 * permits status}): its host name and its Java command line. For backend implementations, not
 * for applications.
 */
public final class ThisHost {

  private static volatile @Nullable String name; // read once, on first use

  private ThisHost() {}

  /**
   * The host name: from the kernel on Linux (no DNS look-up), else from {@link InetAddress}; read
   * once.
   *
   * @return the host name, or "localhost" if none can be read
   */
  public static String name() {
    String known = name;
    if (known == null) {
      known = read();
      name = known;
    }
    return known;
  }

  /**
   * "java MAIN ARGS…" or "java -jar JAR ARGS…": a JVM's command line with its options left out
   * (a class path is long and says little).
   *
   * @param arguments the JVM's arguments, as {@link ProcessHandle.Info#arguments()} gives them
   * @return the command line
   */
  public static String javaCommand(String[] arguments) {
    StringBuilder line = new StringBuilder("java");
    int i = 0;
    while (i < arguments.length && arguments[i].startsWith("-") && !arguments[i].equals("-jar")) {
      boolean takesValue =
          switch (arguments[i]) {
            case "-cp", "-classpath", "--class-path", "-p", "--module-path", "--add-opens",
                "--add-exports", "--add-modules", "--add-reads", "--upgrade-module-path" -> true;
            default -> false;
          };
      i += takesValue ? 2 : 1;
    }
    for (; i < arguments.length; i++) {
      line.append(' ').append(arguments[i]);
    }
    return line.toString();
  }

  private static String read() {
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
