package io.permits.cli;

/**
 * Entry point of the {@code permits} command: parses the arguments with {@link
 * PermitsCommand#newCommandLine()}, runs the chosen subcommand and exits with its code (0 on
 * success, 2 for a usage error, 1 if the command failed).
 *
 * <pre> {@code
 * $ bin/permits demo basic --hold 200ms
 * }</pre>
 */
public final class Main {

  private Main() {}

  /**
   * Runs the command line and exits the JVM with its exit code.
   *
   * @param args the command-line arguments, e.g. {@code demo timeout --hold 3s}
   */
  public static void main(String[] args) {
    System.exit(PermitsCommand.newCommandLine().execute(args));
  }
}
