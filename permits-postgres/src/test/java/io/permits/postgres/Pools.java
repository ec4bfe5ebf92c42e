package io.permits.postgres;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.permits.testsupport.PostgresServer;

/** Connection pools on a test's server, as an application would make them. */
final class Pools {

  private Pools() {}

  /** A HikariCP pool of at most {@code size} connections. */
  static HikariDataSource pool(PostgresServer server, int size) {
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(server.jdbcUrl());
    config.setUsername(server.user());
    config.setMaximumPoolSize(size);
    config.setMinimumIdle(1);
    config.setConnectionTimeout(5_000);
    config.setPoolName("test-" + server.port());
    return new HikariDataSource(config);
  }

  /** A pool like {@link #pool} with extra driver properties (e.g. socketTimeout). */
  static HikariDataSource pool(PostgresServer server, int size, String... properties) {
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(server.jdbcUrl());
    config.setUsername(server.user());
    config.setMaximumPoolSize(size);
    config.setMinimumIdle(1);
    config.setConnectionTimeout(5_000);
    for (int i = 0; i + 1 < properties.length; i += 2) {
      config.addDataSourceProperty(properties[i], properties[i + 1]);
    }
    return new HikariDataSource(config);
  }
}
