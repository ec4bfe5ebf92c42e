package io.permits.postgres;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.WeakHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;

/**
 * The semaphores' tables and functions in a schema: checked, and made (or upgraded from an older
 * version) from schema.sql, once per JVM, data source and schema.
 */
final class Schema {

  /*
   * Implementation notes. The schema_version table's one row says which version of schema.sql made
   * the schema. A missing schema (or table) is made, and one of an older version upgraded in place,
   * by running schema.sql (CREATE ... IF NOT EXISTS, CREATE OR REPLACE FUNCTION, the index changes
   * between versions, the version row last) under a transaction-level advisory lock, in one
   * transaction: clients that start together wait for the first, then find the version row
   * (CREATE ... IF NOT EXISTS alone races on the catalogs). A schema of a newer version fails the
   * build() with a message, and nothing is changed: this library would misread its tables.
   *
   * An upgrade is safe beside clients of the older version still running: the tables keep their
   * columns and meaning, the functions keep their names, arguments and results, so an older client
   * calls the new functions as it called the old ones. The upgrade's DROP INDEX waits for the
   * statements in flight, and those that start meanwhile wait for it.
   */

  /** The version of schema.sql this library reads and writes. */
  static final int VERSION = 2;

  static final String RESOURCE = "schema.sql";

  private static final Pattern SCHEMA_NAME = Pattern.compile("[a-z_][a-z0-9_]{0,62}");
  private static final Pattern QUALIFIER = Pattern.compile("\\bpermits\\.");
  private static final Pattern SCHEMA_CLAUSE =
      Pattern.compile("\\b(SCHEMA (?:IF NOT EXISTS )?)permits\\b");
  private static final ReentrantLock LOCK = new ReentrantLock();
  private static final Map<DataSource, Set<String>> CHECKED = new WeakHashMap<>(); // under LOCK

  private Schema() {}

  static String checkName(String schema) {
    if (!SCHEMA_NAME.matcher(schema).matches()) {
      throw new IllegalArgumentException(
          "bad schema name '" + schema + "': use 1 to 63 lower-case letters, digits or '_',"
              + " not starting with a digit");
    }
    return schema;
  }

  /**
   * Makes sure the schema holds this version's tables and functions: makes them if missing,
   * upgrades those of an older version.
   *
   * @throws PostgresSemaphoreException if PostgreSQL cannot be reached, the user may not make
   *     or upgrade the schema, or the schema is of a newer version
   */
  static void ensure(DataSource dataSource, String schema, String semaphore) {
    LOCK.lock();
    try {
      if (CHECKED.getOrDefault(dataSource, Set.of()).contains(schema)) {
        return;
      }
    } finally {
      LOCK.unlock();
    }
    Calls calls = new Calls(dataSource, schema, semaphore);
    calls.run("opening schema '" + schema + "'", connection -> {
      check(connection, schema, semaphore);
      return true;
    });
    LOCK.lock();
    try {
      CHECKED.computeIfAbsent(dataSource, any -> new HashSet<>()).add(schema);
    } finally {
      LOCK.unlock();
    }
  }

  private static void check(Connection connection, String schema, String semaphore)
      throws SQLException {
    boolean autoCommit = connection.getAutoCommit();
    connection.setAutoCommit(false);
    try (Statement statement = connection.createStatement()) {
      statement.execute(
          "SELECT pg_advisory_xact_lock(hashtext('io.permits.postgres schema " + schema + "'))");
      Integer version = version(statement, schema);
      if (version != null && version > VERSION) {
        throw new PostgresSemaphoreException(
            "semaphore '" + semaphore + "': schema '" + schema + "' was made by version "
                + version + " of this library's schema, newer than the version " + VERSION
                + " this library reads: use a library of version " + version + " or later, or"
                + " open the semaphore in another schema (builder.schema(...))",
            PostgresSemaphoreException.Reason.SCHEMA);
      }
      if (version == null || version < VERSION) {
        try {
          statement.execute(script(schema));
        } catch (SQLException failed) {
          if (version == null) {
            throw failed;
          }
          throw new PostgresSemaphoreException(
              "semaphore '" + semaphore + "': schema '" + schema + "' is of version " + version
                  + " of this library's schema, and upgrading it to version " + VERSION
                  + " failed: " + failed.getMessage() + " (run schema.sql, from this library's"
                  + " jar, as the schema's owner)", failed);
        }
        version = version(statement, schema);
      }
      connection.commit();
      if (version == null || version != VERSION) {
        throw otherVersion(schema, semaphore, version);
      }
    } catch (SQLException | RuntimeException failed) {
      connection.rollback();
      throw failed;
    } finally {
      connection.setAutoCommit(autoCommit);
    }
  }

  private static PostgresSemaphoreException otherVersion(
      String schema, String semaphore, @Nullable Integer version) {
    return new PostgresSemaphoreException(
        "semaphore '" + semaphore + "': schema '" + schema + "' was made by version "
            + version + " of this library's schema, not " + VERSION
            + ": use another schema, or the version of this library that made it",
        PostgresSemaphoreException.Reason.SCHEMA);
  }

  /**
   * Whether the schema exists and is of this version, for reading it (status) without making
   * anything.
   *
   * @param what names the caller in messages: a semaphore's name, or "*" for all of them
   * @return false if there is no such schema (no semaphore was ever opened in it)
   * @throws PostgresSemaphoreException if PostgreSQL cannot be reached, the user may not read the
   *     schema, or the schema is of another version or lacks its version table
   */
  static boolean existsAtVersion(DataSource dataSource, String schema, String what) {
    Calls calls = new Calls(dataSource, schema, what);
    return calls.run("reading schema '" + schema + "'", connection -> {
      try (Statement statement = connection.createStatement()) {
        try (ResultSet exists =
            statement.executeQuery("SELECT to_regnamespace('" + schema + "') IS NOT NULL")) {
          exists.next();
          if (!exists.getBoolean(1)) {
            return false; // to_regnamespace needs no privilege; to_regclass would say null
          }
        }
        // fails as a privilege is missing (42501) or the table is (42P01)
        try (ResultSet rows =
            statement.executeQuery("SELECT max(version) FROM " + schema + ".schema_version")) {
          rows.next();
          int version = rows.getInt(1);
          Integer read = rows.wasNull() ? null : version;
          if (read == null || read != VERSION) {
            throw otherVersion(schema, what, read);
          }
          return true;
        }
      }
    });
  }

  /** The version recorded in the schema, or null if it has none (no table, or no row). */
  private static @Nullable Integer version(Statement statement, String schema) throws SQLException {
    try (ResultSet exists =
        statement.executeQuery("SELECT to_regclass('" + schema + ".schema_version')")) {
      exists.next();
      if (exists.getString(1) == null) {
        return null;
      }
    }
    try (ResultSet rows =
        statement.executeQuery("SELECT max(version) FROM " + schema + ".schema_version")) {
      rows.next();
      int version = rows.getInt(1);
      return rows.wasNull() ? null : version;
    }
  }

  /** schema.sql for the schema {@code schema}. */
  static String script(String schema) {
    String text;
    try (InputStream in = Schema.class.getResourceAsStream(RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException("no " + RESOURCE + " beside " + Schema.class);
      }
      text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException unreadable) {
      throw new UncheckedIOException(unreadable);
    }
    text = QUALIFIER.matcher(text).replaceAll(Matcher.quoteReplacement(schema + "."));
    return SCHEMA_CLAUSE.matcher(text).replaceAll("$1" + Matcher.quoteReplacement(schema));
  }
}
