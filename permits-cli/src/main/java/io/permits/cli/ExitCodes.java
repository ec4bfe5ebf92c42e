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

  /**
   * The backend refused the user: a PostgreSQL login refused, or a privilege missing on the
   * semaphores' schema (sysexits.h EX_NOPERM). Trying again does not help; a grant does.
   */
  static final int NOPERM = 77;

  /**
   * The backend is not set up for this version: a PostgreSQL schema made by another version of
   * the library, or lacking its tables (sysexits.h EX_CONFIG).
   */
  static final int CONFIG = 78;

  /** Something failed that should not have (sysexits.h EX_SOFTWARE). */
  static final int SOFTWARE = 70;

  private ExitCodes() {}
}
