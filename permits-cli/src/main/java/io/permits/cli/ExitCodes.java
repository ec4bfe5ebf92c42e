package io.permits.cli;

/** The exit codes of {@code permits} itself (a command run by {@code permits run} has its own). */
final class ExitCodes {

  /** Bad input: a usage error, a bad name, a limit that does not match the recorded one. */
  static final int USAGE = 2;

  /** The command could not be found or started (as a shell says). */
  static final int CANNOT_RUN = 127;

  /** No permit within {@code --timeout} (sysexits.h EX_TEMPFAIL: try again later). */
  static final int TEMPFAIL = 75;

  /** The backend cannot be reached, a Redis server say (sysexits.h EX_UNAVAILABLE). */
  static final int UNAVAILABLE = 69;

  /** Something failed that should not have (sysexits.h EX_SOFTWARE). */
  static final int SOFTWARE = 70;

  private ExitCodes() {}
}
