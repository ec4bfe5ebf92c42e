package io.permits.postgres;

import java.sql.SQLException;
import org.jspecify.annotations.Nullable;

/**
 * Thrown when PostgreSQL cannot run a semaphore's statement: the server cannot be reached, the
 * database user lacks a privilege on the semaphore's schema, the schema is of another version,
 * or a statement failed or its outcome is unknown (a lost connection, a statement timeout). The
 * message names the semaphore, the operation and the cause; {@link #reason()} says which of these
 * it is, for a caller that answers each differently (the command line's exit codes).
 */
public final class PostgresSemaphoreException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  /** What kind of failure it is. */
  public enum Reason {
    /**
     * The server cannot be reached, or the connection was lost (SQLSTATE classes 08 and 57P, or a
     * pool that gave no connection in time): trying again later may work.
     */
    UNREACHABLE,
    /**
     * The server refused the database user: it may not log in (class 28: a wrong password, no
     * {@code pg_hba.conf} entry) or lacks a privilege on the schema (42501). An administrator's
     * grant fixes it.
     */
    DENIED,
    /**
     * The schema is not one this library can use: made by another version of its {@code
     * schema.sql}, or lacking its tables or functions (42883, 42P01, 3F000).
     */
    SCHEMA,
    /** Anything else: a statement that failed otherwise, or whose outcome is unknown. */
    OTHER;

    /**
     * The reason of a failure of the JDBC driver or pool, by its SQLSTATE.
     *
     * @param failed the failure
     * @return its reason
     */
    static Reason of(SQLException failed) {
      if (failed.getCause() instanceof SQLException cause && cause != failed
          && of(cause) == DENIED) {
        return DENIED; // a pool that gave up on a login the server refused
      }
      if (Calls.isUnreachable(failed)) {
        return UNREACHABLE;
      }
      String state = failed.getSQLState();
      if (state == null) {
        return OTHER;
      }
      if (state.equals("42501") || state.startsWith("28")) {
        return DENIED;
      }
      return switch (state) {
        case "42883", "42P01", "3F000" -> SCHEMA; // as Calls.failure words them
        default -> OTHER;
      };
    }
  }

  private final Reason reason;

  PostgresSemaphoreException(String message, Throwable cause) {
    super(message, cause);
    this.reason = reasonOf(cause);
  }

  PostgresSemaphoreException(String message) {
    this(message, Reason.OTHER);
  }

  PostgresSemaphoreException(String message, Reason reason) {
    super(message);
    this.reason = reason;
  }

  /**
   * What kind of failure this is.
   *
   * @return the reason
   */
  public Reason reason() {
    return reason;
  }

  private static Reason reasonOf(@Nullable Throwable cause) {
    if (cause instanceof PostgresSemaphoreException wrapped) {
      return wrapped.reason();
    }
    return cause instanceof SQLException sql ? Reason.of(sql) : Reason.OTHER;
  }
}
