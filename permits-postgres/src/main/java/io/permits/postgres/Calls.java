package io.permits.postgres;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;

/**
 * One semaphore's statements: each operation is one call of a function of schema.sql, one round
 * trip, on a connection borrowed from the application's data source for that call alone.
 */
final class Calls {

  /*
   * Implementation notes. Interrupts must not cut statements: a virtual thread interrupted while
   * it blocks in a socket read has its socket closed, which would turn a caller's interrupt (or a
   * pending one, as when a lease is closed after an interrupt) into a lost connection and a
   * statement of unknown outcome. So a virtual thread's call runs on a platform thread of IO, whose
   * socket reads an interrupt does not close, and the caller waits for it without being
   * interruptible (keeping its interrupt); a platform thread runs its call itself, its interrupt
   * flag cleared while it runs (the pool's borrow would fail on it) and set again after. A
   * connection that is not in auto-commit mode is committed after the call (one statement, one
   * transaction either way).
   */

  /** Runs the calls of virtual threads: platform daemon threads, made as needed and kept 60 s. */
  static final ExecutorService IO =
      Executors.newCachedThreadPool(
          Thread.ofPlatform().daemon().name("permits-postgres-io-", 0).factory());

  /** A call's body, on a borrowed connection. */
  interface Body<T> {
    T run(Connection connection) throws SQLException;
  }

  /** The limit function's reply. */
  record LimitReply(int recorded, boolean matches, long version) {}

  /** The counts function's reply; {@code limit} is -1 if there is no such semaphore. */
  record Counts(int limit, int used, int queued, long version) {}

  /** A row of the state function: kind 'h' (a lease) or 'w' (a queued ticket). */
  record StateRow(char kind, String id, int permits, long millis, Timestamp since, String who) {}

  private final DataSource dataSource;
  private final String schema;
  private final String name;
  private final String acquire;
  private final String release;
  private final String cancel;
  private final String renew;
  private final String limit;
  private final String counts;
  private final String state;

  Calls(DataSource dataSource, String schema, String name) {
    this.dataSource = dataSource;
    this.schema = schema;
    this.name = name;
    this.acquire =
        "SELECT outcome, token, millis, lim, version FROM " + schema
            + ".acquire(?, ?, ?, ?, ?, ?, ?, ?)";
    this.release = "SELECT " + schema + ".release(?, ?, ?, ?)";
    this.cancel = "SELECT " + schema + ".cancel(?, ?)";
    this.renew = "SELECT " + schema + ".renew(?, ?, ?, ?)";
    this.limit = "SELECT recorded, matches, version FROM " + schema + ".set_limit(?, ?, ?)";
    this.counts = "SELECT lim, in_use, queued, version FROM " + schema + ".counts(?)";
    this.state = "SELECT kind, ref, amount, millis, since, who FROM " + schema + ".state(?)";
  }

  String name() {
    return name;
  }

  AcquireReply acquire(
      String id, int permits, long leaseMillis, long ticketMillis, String channel, String who,
      int ownLimit) {
    return run("acquire", connection -> {
      try (PreparedStatement call = connection.prepareStatement(acquire)) {
        call.setString(1, name);
        call.setString(2, id);
        call.setInt(3, permits);
        call.setLong(4, leaseMillis);
        call.setLong(5, ticketMillis);
        call.setString(6, channel);
        call.setString(7, who);
        call.setInt(8, ownLimit);
        try (ResultSet row = single(call.executeQuery())) {
          return new AcquireReply(
              AcquireReply.outcome(row.getInt(1)), row.getLong(2), row.getLong(3), row.getInt(4),
              row.getLong(5));
        }
      }
    });
  }

  /**
   * Ends the lease if the id still holds the grant with this token; true if it did. {@code
   * permits} is the lease's: with it, the function locks the row and frees them in one statement.
   */
  boolean release(String id, long token, int permits) {
    return run("release", connection -> {
      try (PreparedStatement call = connection.prepareStatement(release)) {
        call.setString(1, name);
        call.setString(2, id);
        call.setLong(3, token);
        call.setInt(4, permits);
        try (ResultSet row = single(call.executeQuery())) {
          return row.getInt(1) > 0;
        }
      }
    });
  }

  /** Withdraws the id's ticket, ends any lease it was granted, and leaves a tombstone. */
  void cancel(String id) {
    run("cancel", connection -> {
      try (PreparedStatement call = connection.prepareStatement(cancel)) {
        call.setString(1, name);
        call.setString(2, id);
        call.executeQuery().close();
        return true;
      }
    });
  }

  /** Extends the lease; false if the id no longer holds the grant with this token. */
  boolean renew(String id, long token, long leaseMillis) {
    return run("renew", connection -> {
      try (PreparedStatement call = connection.prepareStatement(renew)) {
        call.setString(1, name);
        call.setString(2, id);
        call.setLong(3, token);
        call.setLong(4, leaseMillis);
        try (ResultSet row = single(call.executeQuery())) {
          return row.getLong(1) > 0;
        }
      }
    });
  }

  /** Opens ("open"), changes ("change") or reads ("read") the limit. */
  LimitReply limit(int limit, String mode) {
    return run("limit", connection -> {
      try (PreparedStatement call = connection.prepareStatement(this.limit)) {
        call.setString(1, name);
        call.setInt(2, limit);
        call.setString(3, mode);
        try (ResultSet row = single(call.executeQuery())) {
          return new LimitReply(row.getInt(1), row.getBoolean(2), row.getLong(3));
        }
      }
    });
  }

  Counts counts() {
    return run("counts", connection -> {
      try (PreparedStatement call = connection.prepareStatement(counts)) {
        call.setString(1, name);
        try (ResultSet row = single(call.executeQuery())) {
          return new Counts(row.getInt(1), row.getInt(2), row.getInt(3), row.getLong(4));
        }
      }
    });
  }

  List<StateRow> state() {
    return run("state", connection -> {
      try (PreparedStatement call = connection.prepareStatement(state)) {
        call.setString(1, name);
        List<StateRow> rows = new ArrayList<>();
        try (ResultSet row = call.executeQuery()) {
          while (row.next()) {
            rows.add(new StateRow(row.getString(1).charAt(0), row.getString(2), row.getInt(3),
                row.getLong(4), row.getTimestamp(5), row.getString(6)));
          }
        }
        return rows;
      }
    });
  }

  /**
   * Runs a body on a borrowed connection.
   *
   * @throws PostgresSemaphoreException if it failed, or its outcome is unknown
   */
  <T> T run(String operation, Body<T> body) {
    if (!Thread.currentThread().isVirtual()) {
      return runHere(operation, body);
    }
    try {
      return CompletableFuture.supplyAsync(() -> runHere(operation, body), IO)
          .join(); // waits through interrupts, and keeps them
    } catch (CompletionException failed) {
      if (failed.getCause() instanceof RuntimeException cause) {
        throw cause;
      }
      throw failed;
    }
  }

  private <T> T runHere(String operation, Body<T> body) {
    boolean interrupted = Thread.interrupted();
    try {
      Connection borrowed = null;
      while (borrowed == null) {
        try {
          borrowed = dataSource.getConnection();
        } catch (SQLException failed) { // a pool's wait fails on an interrupt: wait again
          if (!Thread.interrupted()) {
            throw failed;
          }
          interrupted = true;
        }
      }
      try (Connection connection = borrowed) {
        T result = body.run(connection);
        if (!connection.getAutoCommit()) {
          connection.commit();
        }
        return result;
      }
    } catch (SQLException failed) {
      throw failure(name, operation, schema, failed);
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private static ResultSet single(ResultSet rows) throws SQLException {
    if (!rows.next()) {
      rows.close();
      throw new SQLException("the function returned no row");
    }
    return rows;
  }

  /** A failure that names the semaphore, the operation and the cause, in the user's terms. */
  static PostgresSemaphoreException failure(
      String name, String operation, String schema, SQLException failed) {
    String state = failed.getSQLState();
    String message = String.valueOf(failed.getMessage());
    String why;
    if ("42501".equals(state)) {
      why = "the database user lacks a privilege on schema '" + schema + "' (" + message
          + "): grant it USAGE on the schema, SELECT, INSERT, UPDATE and DELETE on its tables and"
          + " EXECUTE on its functions, or have them made by a user that may (schema.sql)";
    } else if (isUnreachable(failed)) {
      why = "PostgreSQL cannot be reached: " + message;
    } else if ("42883".equals(state) || "42P01".equals(state) || "3F000".equals(state)) {
      why = "schema '" + schema + "' lacks the semaphore's tables or functions (dropped, or made"
          + " by another version of this library): " + message;
    } else {
      why = message;
    }
    return new PostgresSemaphoreException(
        "semaphore '" + name + "': " + operation + " failed: " + why, failed);
  }

  /** Whether a failure says the server could not be reached, or the connection was lost. */
  static boolean isUnreachable(SQLException failed) {
    String state = failed.getSQLState();
    return failed instanceof SQLTransientConnectionException
        || (state != null && (state.startsWith("08") || state.startsWith("57P")));
  }

  /**
   * Whether a statement that failed so may succeed if sent again: not when the server refused it
   * for what it is (a privilege, a missing function, bad data), which a second try repeats.
   */
  static boolean worthRetrying(@Nullable Throwable failure) {
    if (failure instanceof PostgresSemaphoreException wrapped) {
      failure = wrapped.getCause();
    }
    if (!(failure instanceof SQLException sql)) {
      return true;
    }
    String state = sql.getSQLState();
    if (state == null || state.length() < 2) {
      return true;
    }
    return switch (state.substring(0, 2)) {
      case "42", "3F", "22", "23", "P0", "28" -> false;
      default -> true;
    };
  }
}
