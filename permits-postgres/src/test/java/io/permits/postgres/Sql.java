package io.permits.postgres;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;

/** The schema's functions called by hand, as a client would send them (once, or twice). */
final class Sql {

  private final DataSource dataSource;

  Sql(DataSource dataSource) {
    this.dataSource = dataSource;
  }

  /** acquire(...): {outcome, token, millis}. */
  long[] acquire(String name, String id, int permits, long ticketMillis) throws SQLException {
    List<Object> row = row("SELECT outcome, token, millis FROM permits.acquire(?, ?, ?, 30000, ?,"
        + " 'permits_test', '1 test sql', 1)", name, id, permits, ticketMillis);
    return new long[] {
      ((Number) row.get(0)).longValue(),
      row.get(1) == null ? 0 : ((Number) row.get(1)).longValue(),
      row.get(2) == null ? 0 : ((Number) row.get(2)).longValue()
    };
  }

  /** release(...) as the client sends it, with the lease's permits. */
  int release(String name, String id, long token, int permits) throws SQLException {
    return ((Number) row("SELECT permits.release(?, ?, ?, ?)", name, id, token, permits).get(0))
        .intValue();
  }

  /** release(...) of version 1 of the schema, by id and token alone. */
  int release(String name, String id, long token) throws SQLException {
    return ((Number) row("SELECT permits.release(?, ?, ?)", name, id, token).get(0)).intValue();
  }

  void cancel(String name, String id) throws SQLException {
    row("SELECT permits.cancel(?, ?)::text", name, id);
  }

  long renew(String name, String id, long token) throws SQLException {
    return ((Number) row("SELECT permits.renew(?, ?, ?, 30000)", name, id, token).get(0))
        .longValue();
  }

  /** The permits the semaphores row says are used. */
  int used(String name) throws SQLException {
    return ((Number) row("SELECT used FROM permits.semaphores WHERE name = ?", name).get(0))
        .intValue();
  }

  long count(String table, String name) throws SQLException {
    return ((Number) row("SELECT count(*) FROM permits." + table + " WHERE semaphore = ?", name)
        .get(0)).longValue();
  }

  List<Object> row(String sql, Object... parameters) throws SQLException {
    try (Connection connection = dataSource.getConnection()) {
      return row(connection, sql, parameters);
    }
  }

  static List<Object> row(Connection connection, String sql, Object... parameters)
      throws SQLException {
    try (PreparedStatement statement = connection.prepareStatement(sql)) {
      for (int i = 0; i < parameters.length; i++) {
        statement.setObject(i + 1, parameters[i]);
      }
      try (ResultSet rows = statement.executeQuery()) {
        if (!rows.next()) {
          throw new SQLException("no row from " + sql);
        }
        List<Object> values = new ArrayList<>();
        for (int i = 1; i <= rows.getMetaData().getColumnCount(); i++) {
          values.add(rows.getObject(i));
        }
        return values;
      }
    }
  }
}
