package io.permits.spring;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;

/**
 * Checks a PostgreSQL backend's database: borrows a connection from the data source and reads the
 * semaphores' schema version ({@code permits.schema_version}), so that a database that answers
 * but where the application's user may not read the schema is DOWN too. Names only {@code
 * java.sql} classes.
 *
 * <p>A pool waits for a connection up to its own timeout (HikariCP's default is 30 s) while the
 * server is down, so the check runs on a virtual thread of its own and the caller waits for it at
 * most the probe's timeout; a check still running is waited for again by the next call instead
 * of starting another, so a health endpoint polled while the database is down never piles up
 * threads.
 */
final class PostgresProbe {

  static final String SCHEMA = "permits";

  private final DataSource dataSource;
  private final Duration timeout;
  private final AtomicReference<@Nullable Check> running = new AtomicReference<>();

  /** A check under way. */
  private record Check(long startedNanos, CompletableFuture<@Nullable String> problem) {}

  PostgresProbe(DataSource dataSource, Duration timeout) {
    this.dataSource = dataSource;
    this.timeout = timeout;
  }

  /**
   * Checks the database.
   *
   * @return null if it answered and the schema's version could be read, else the cause
   */
  @Nullable String check() {
    Check check = running.get();
    while (check == null) {
      Check started = new Check(System.nanoTime(), new CompletableFuture<>());
      if (running.compareAndSet(null, started)) {
        Thread.ofVirtual()
            .name("permits-health-postgresql")
            .start(
                () -> {
                  try {
                    started.problem().complete(readVersion());
                  } catch (Throwable failed) { // an Error: the next check starts afresh
                    started.problem().completeExceptionally(failed);
                  }
                });
        check = started;
      } else {
        check = running.get(); // another caller's check, or null if it ended meanwhile
      }
    }
    try {
      String problem = check.problem().get(timeout.toNanos(), TimeUnit.NANOSECONDS);
      running.compareAndSet(check, null);
      return problem;
    } catch (TimeoutException slow) {
      long waited = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - check.startedNanos());
      return "no answer within " + waited + " ms (waiting for a connection, or for the server)";
    } catch (ExecutionException impossible) {
      running.compareAndSet(check, null);
      return String.valueOf(impossible.getCause());
    } catch (InterruptedException interrupted) {
      Thread.currentThread().interrupt();
      return "interrupted while checking";
    }
  }

  /** Null if the version row could be read, else what went wrong. */
  private @Nullable String readVersion() {
    try (Connection connection = dataSource.getConnection();
        Statement statement = connection.createStatement()) {
      statement.setQueryTimeout((int) Math.max(1, timeout.toSeconds()));
      try (ResultSet row =
          statement.executeQuery("SELECT max(version) FROM " + SCHEMA + ".schema_version")) {
        if (!row.next() || row.getObject(1) == null) {
          return "schema '" + SCHEMA + "' has no version row";
        }
        return null;
      }
    } catch (SQLException failed) {
      return describe(failed);
    } catch (RuntimeException failed) {
      return String.valueOf(failed);
    }
  }

  /** The message, with the cause's (a pool's timeout wraps the driver's refusal). */
  static String describe(Throwable failed) {
    StringBuilder text = new StringBuilder(String.valueOf(failed.getMessage()));
    Throwable cause = failed.getCause();
    if (cause != null && cause.getMessage() != null
        && !text.toString().contains(cause.getMessage())) {
      text.append(" (").append(cause.getMessage()).append(')');
    }
    return text.toString();
  }
}
