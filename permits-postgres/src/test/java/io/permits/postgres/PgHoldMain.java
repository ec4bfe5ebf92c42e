package io.permits.postgres;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.permits.Lease;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * Run in a separate JVM by the fault tests: {@code PgHoldMain JDBC-URL NAME LIMIT LEASE_MS}
 * acquires one permit, prints "held TOKEN", then waits; prints "lost, held: false" if its lease
 * is lost, and ends when its stdin closes (or it is killed). For each line read on stdin
 * meanwhile it prints "isHeld true" or "isHeld false": what {@link Lease#isHeld()} says then.
 */
public final class PgHoldMain {

  private PgHoldMain() {}

  public static void main(String[] args) throws Exception {
    try (HikariDataSource pool = pool(args[0], "permits-hold");
        PostgresSemaphore semaphore =
            PostgresSemaphore.builder(pool)
                .name(args[1])
                .limit(Integer.parseInt(args[2]))
                .lease(Duration.ofMillis(Long.parseLong(args[3])))
                .build();
        Lease lease = semaphore.acquire()) {
      lease.lost().thenRun(() -> System.out.println("lost, held: " + lease.isHeld()));
      System.out.println("held " + lease.token());
      System.out.flush();
      BufferedReader stdin =
          new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
      while (stdin.readLine() != null) { // hold until stdin closes
        System.out.println("isHeld " + lease.isHeld());
        System.out.flush();
      }
    }
  }

  /** A small pool, as a client application's, named in pg_stat_activity. */
  static HikariDataSource pool(String url, String applicationName) {
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(url);
    config.setUsername("postgres");
    config.setMaximumPoolSize(4);
    config.setMinimumIdle(1);
    config.setConnectionTimeout(5_000);
    config.addDataSourceProperty("ApplicationName", applicationName);
    return new HikariDataSource(config);
  }
}
