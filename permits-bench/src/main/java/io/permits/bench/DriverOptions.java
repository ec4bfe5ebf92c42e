package io.permits.bench;

import java.util.HashMap;
import java.util.Map;

/**
 * The command line of a driver ({@link FairnessDriver}, {@link AsyncDriver}): {@code --name value}
 * pairs, each with a default. An unknown name or a bad value is a usage error (exit 2).
 */
final class DriverOptions {
  private final Map<String, String> values = new HashMap<>();
  private final String usage;

  DriverOptions(String[] args, String usage) {
    this.usage = usage;
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      if (!arg.startsWith("--") || i + 1 >= args.length) {
        throw fail("expected --name value, got '" + arg + "'");
      }
      values.put(arg.substring(2), args[++i]);
    }
  }

  String string(String name, String fallback) {
    return values.getOrDefault(name, fallback);
  }

  int integer(String name, int fallback) {
    String value = values.get(name);
    try {
      return value == null ? fallback : Integer.parseInt(value);
    } catch (NumberFormatException e) {
      throw fail("--" + name + " must be an integer, was '" + value + "'");
    }
  }

  double number(String name, double fallback) {
    String value = values.get(name);
    try {
      return value == null ? fallback : Double.parseDouble(value);
    } catch (NumberFormatException e) {
      throw fail("--" + name + " must be a number, was '" + value + "'");
    }
  }

  SemaphoreType type() {
    String value = string("type", null);
    if (value == null) {
      throw fail("--type is required");
    }
    try {
      return SemaphoreType.valueOf(value);
    } catch (IllegalArgumentException e) {
      throw fail("--type must be one of " + java.util.Arrays.toString(SemaphoreType.values()));
    }
  }

  /** Phases of a run: warm-up, then measured iterations, each a fixed number of seconds. */
  Phases phases() {
    return new Phases(number("warmup", 1), integer("iterations", 3), number("seconds", 5));
  }

  IllegalArgumentException fail(String message) {
    return new IllegalArgumentException(message + "\nusage: " + usage);
  }

  /** Runs a driver's main, turning usage errors into exit code 2. */
  static void main(String[] args, String usage, DriverMain body) {
    try {
      body.run(new DriverOptions(args, usage));
    } catch (IllegalArgumentException e) {
      System.err.println(e.getMessage());
      System.exit(2);
    } catch (Exception e) {
      e.printStackTrace();
      System.exit(1);
    }
  }

  /** A driver's body. */
  interface DriverMain {
    void run(DriverOptions options) throws Exception;
  }

  /**
   * Warm-up and measured iterations.
   *
   * @param warmupSeconds seconds run first and not reported
   * @param iterations measured iterations, at least 1
   * @param seconds seconds per measured iteration
   */
  record Phases(double warmupSeconds, int iterations, double seconds) {
    Phases {
      if (iterations < 1 || seconds <= 0 || warmupSeconds < 0) {
        throw new IllegalArgumentException(
            "need iterations >= 1, seconds > 0, warmup >= 0; got " + this);
      }
    }

    static void sleep(double seconds) throws InterruptedException {
      Thread.sleep((long) (seconds * 1000));
    }
  }
}
