package io.permits.spring;

import static io.permits.spring.PermitsAutoConfigurationTest.failure;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.permits.KeyedSemaphore;
import io.permits.Lease;
import io.permits.Permit;
import io.permits.Semaphore;
import io.permits.postgres.PostgresSemaphore;
import io.permits.testsupport.PostgresServer;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * {@code backend=postgresql}: semaphores on the application's DataSource, against a real server
 * of the test's own: plain and keyed beans, {@code @Permits}, the data source bean chosen, the
 * health of the database, and each failure's message.
 */
@Timeout(120)
class PermitsPostgresTest {

  private static PostgresServer server;

  private final ApplicationContextRunner runner =
      new ApplicationContextRunner()
          .withConfiguration(
              AutoConfigurations.of(
                  PermitsAutoConfiguration.class, PermitsHealthAutoConfiguration.class));

  @BeforeAll
  static void startPostgres() {
    server = PostgresServer.start();
  }

  @AfterAll
  static void stopPostgres() {
    server.close();
  }

  /** A pool as Spring Boot's JDBC support makes one from spring.datasource.*. */
  static HikariDataSource pool(String name) {
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(server.jdbcUrl());
    config.setUsername(server.user());
    config.setMaximumPoolSize(4);
    config.setMinimumIdle(0);
    config.setConnectionTimeout(1_000);
    config.setInitializationFailTimeout(-1); // starts without the server, as Boot's does
    config.setPoolName(name);
    return new HikariDataSource(config);
  }

  /** The application's one DataSource, bean {@code dataSource}. */
  @Configuration(proxyBeanMethods = false)
  static class OneDataSource {
    @Bean
    HikariDataSource dataSource() {
      return pool("app");
    }
  }

  /** Two DataSources, neither primary. */
  @Configuration(proxyBeanMethods = false)
  static class TwoDataSources {
    @Bean
    HikariDataSource orders() {
      return pool("orders");
    }

    @Bean
    HikariDataSource reporting() {
      return pool("reporting");
    }
  }

  @Test
  void aPostgresqlBackendIsAPostgresSemaphoreOnTheApplicationsDataSource() throws Exception {
    runner
        .withUserConfiguration(OneDataSource.class)
        .withPropertyValues(
            "permits.semaphores.imports.limit=2",
            "permits.semaphores.imports.backend=postgresql",
            "permits.semaphores.imports.lease=5s")
        .run(
            context -> {
              assertThat(context).hasNotFailed();
              Semaphore imports = context.getBean("imports", Semaphore.class);
              assertThat(imports).isInstanceOf(PostgresSemaphore.class);
              assertThat(imports.name()).isEqualTo("imports");
              try (Permit permit = imports.acquire()) {
                Lease lease = (Lease) permit;
                assertThat(lease.token()).isPositive();
                assertThat(lease.remaining()).isLessThanOrEqualTo(Duration.ofSeconds(5));
                assertThat(
                        server.psql(
                            "SELECT permit_limit || ' ' || used FROM permits.semaphores"
                                + " WHERE name = 'imports'"))
                    .isEqualTo("2 1");
              }
              // closed before the pool, whose connections its close may still need
              assertThat(context.getBeanFactory().getDependentBeans("dataSource"))
                  .contains("imports");
            });
  }

  @Test
  void aKeyedSemaphoreOpensASemaphorePerKeyWhoseRowStaysWhenTheKeyIsIdle() throws Exception {
    runner
        .withUserConfiguration(OneDataSource.class)
        .withPropertyValues(
            "permits.semaphores.exports.per-key-limit=1",
            "permits.semaphores.exports.limit=3",
            "permits.semaphores.exports.backend=postgresql")
        .run(
            context -> {
              assertThat(context).hasNotFailed();
              @SuppressWarnings("unchecked")
              KeyedSemaphore<String> exports = context.getBean("exports", KeyedSemaphore.class);
              try (Permit permit = exports.acquire("acme")) {
                assertThat(exports.tryAcquire("acme")).isEmpty();
                try (PostgresSemaphore elsewhere = // another instance of the service
                    PostgresSemaphore.builder(context.getBean(DataSource.class))
                        .name("exports.acme")
                        .limit(1)
                        .build()) {
                  assertThat(elsewhere.tryAcquire()).isEmpty();
                  assertThat(elsewhere.stats().held()).isEqualTo(1);
                }
                try (Permit other = exports.tryAcquire("globex").orElseThrow()) {
                  assertThat(other.permits()).isEqualTo(1);
                }
              }
              assertThat(
                      server.psql(
                          "SELECT name || ' ' || permit_limit || ' ' || used"
                              + " FROM permits.semaphores WHERE name LIKE 'exports%'"
                              + " ORDER BY name"))
                  .as("the total, and a row per key used, idle or not")
                  .isEqualTo("exports 3 0\nexports.acme 1 0\nexports.globex 1 0");
            });
  }

  @Test
  void aKeysRowKeptFromAnEarlierPerKeyLimitTakesTheDeclaredOne() throws Exception {
    runner
        .withUserConfiguration(OneDataSource.class)
        .withPropertyValues(
            "permits.semaphores.uploads.per-key-limit=1",
            "permits.semaphores.uploads.backend=postgresql")
        .run(
            context -> {
              @SuppressWarnings("unchecked")
              KeyedSemaphore<String> uploads = context.getBean("uploads", KeyedSemaphore.class);
              uploads.acquire("acme").close();
            });
    runner
        .withUserConfiguration(OneDataSource.class)
        .withPropertyValues(
            "permits.semaphores.uploads.per-key-limit=2",
            "permits.semaphores.uploads.backend=postgresql")
        .run(
            context -> {
              @SuppressWarnings("unchecked")
              KeyedSemaphore<String> uploads = context.getBean("uploads", KeyedSemaphore.class);
              try (Permit one = uploads.acquire("acme");
                  Permit two = uploads.acquire("acme")) {
                assertThat(uploads.tryAcquire("acme")).isEmpty();
              }
              assertThat(
                      server.psql(
                          "SELECT permit_limit FROM permits.semaphores"
                              + " WHERE name = 'uploads.acme'"))
                  .isEqualTo("2");
            });
  }

  @Test
  void permitsLimitsCallsThroughThePostgresSemaphore() throws Exception {
    runner
        .withUserConfiguration(OneDataSource.class)
        .withBean(Reports.class)
        .withPropertyValues(
            "permits.semaphores.reports.per-key-limit=1",
            "permits.semaphores.reports.backend=postgresql",
            "permits.semaphores.reports.max-wait=100ms")
        .run(
            context -> {
              assertThat(context).hasNotFailed();
              Reports reports = context.getBean(Reports.class);
              CountDownLatch entered = new CountDownLatch(1);
              CountDownLatch release = new CountDownLatch(1);
              try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
                Future<String> holding = threads.submit(() -> reports.hold("acme", entered, release));
                assertThat(entered.await(30, TimeUnit.SECONDS)).isTrue();
                assertThat(
                        server.psql(
                            "SELECT used FROM permits.semaphores WHERE name = 'reports.acme'"))
                    .isEqualTo("1");
                assertThatThrownBy(() -> reports.quick("acme"))
                    .isInstanceOf(PermitRejectedException.class)
                    .hasMessageContaining("'reports'");
                assertThat(reports.quick("globex")).isEqualTo("globex");
                release.countDown();
                assertThat(holding.get(30, TimeUnit.SECONDS)).isEqualTo("acme");
              }
              assertThat(reports.quick("acme")).isEqualTo("acme");
            });
  }

  @Test
  void postgresqlColonBeanChoosesTheDataSourceBean() {
    runner
        .withUserConfiguration(TwoDataSources.class)
        .withPropertyValues(
            "permits.semaphores.nightly.limit=1",
            "permits.semaphores.nightly.backend=postgresql:reporting")
        .run(
            context -> {
              assertThat(context).hasNotFailed();
              assertThat(context.getBean("nightly")).isInstanceOf(PostgresSemaphore.class);
              assertThat(context.getBeanFactory().getDependentBeans("reporting"))
                  .contains("nightly");
              assertThat(context.getBeanFactory().getDependentBeans("orders"))
                  .doesNotContain("nightly");
            });
  }

  @Test
  void plainPostgresqlWithTwoDataSourcesAndNoPrimaryFailsNamingThem() {
    runner
        .withUserConfiguration(TwoDataSources.class)
        .withPropertyValues(
            "permits.semaphores.nightly.limit=1", "permits.semaphores.nightly.backend=postgresql")
        .run(
            context ->
                assertThat(failure(context))
                    .contains("permits.semaphores.nightly.backend")
                    .contains("several DataSource beans [orders, reporting]")
                    .contains("'postgresql:BEAN'"));
  }

  @Test
  void noDataSourceOrAnUnknownBeanFailsNamingTheProperty() {
    runner
        .withPropertyValues(
            "permits.semaphores.nightly.limit=1", "permits.semaphores.nightly.backend=postgresql")
        .run(
            context ->
                assertThat(failure(context))
                    .contains("permits.semaphores.nightly.backend")
                    .contains("has no DataSource bean"));
    runner
        .withUserConfiguration(OneDataSource.class)
        .withPropertyValues(
            "permits.semaphores.nightly.limit=1",
            "permits.semaphores.nightly.backend=postgresql:reporting")
        .run(
            context ->
                assertThat(failure(context))
                    .contains("'postgresql:reporting'")
                    .contains("no bean named 'reporting'"));
  }

  @Test
  void aUriIsNoPostgresqlBackend() {
    runner
        .withPropertyValues(
            "permits.semaphores.db.limit=1",
            "permits.semaphores.db.backend=postgresql://app@db:5432/app")
        .run(
            context ->
                assertThat(failure(context))
                    .contains("permits.semaphores.db.backend")
                    .contains("uses a DataSource bean of the application, not a URI"));
  }

  @Test
  void withoutPermitsPostgresTheStartupFailsNamingTheModule() {
    runner
        .withClassLoader(new FilteredClassLoader(PostgresSemaphore.class))
        .withUserConfiguration(OneDataSource.class)
        .withPropertyValues(
            "permits.semaphores.db.limit=1", "permits.semaphores.db.backend=postgresql")
        .run(
            context ->
                assertThat(failure(context))
                    .contains("permits.semaphores.db.backend")
                    .contains("'postgresql'")
                    .contains("io.permits:permits-postgres"));
  }

  @Test
  void theDatabaseIsUpAndDownWithTheCause() throws Exception {
    runner
        .withUserConfiguration(OneDataSource.class)
        .withPropertyValues(
            "permits.semaphores.health.limit=1", "permits.semaphores.health.backend=postgresql")
        .run(
            context -> {
              assertThat(context).hasNotFailed();
              PermitsHealthIndicator indicator = context.getBean(PermitsHealthIndicator.class);
              Health up = indicator.health();
              assertThat(up.getStatus()).isEqualTo(Status.UP);
              assertThat(up.getDetails()).containsEntry("postgresql", "UP");

              server.stopFast();
              try {
                // on pooled connections the stop ended (the pool drops each), then on a new one
                String refused = "Connection to 127.0.0.1:" + server.port() + " refused";
                String detail = "";
                for (int check = 0; check < 5 && !detail.contains(refused); check++) {
                  Health down = indicator.health();
                  assertThat(down.getStatus()).isEqualTo(Status.DOWN);
                  detail = down.getDetails().get("postgresql").toString();
                  assertThat(detail).startsWith("DOWN: ");
                }
                assertThat(detail).contains(refused);
              } finally {
                server.restart();
              }
              assertThat(indicator.health().getStatus()).isEqualTo(Status.UP);
            });
  }

  @Test
  void aUserThatMayNotReadTheSchemaIsDown() throws Exception {
    try (HikariDataSource owner = pool("owner")) {
      PostgresSemaphore.builder(owner).name("made").limit(1).build().close(); // makes the schema
    }
    server.psql(
        "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'outsider') THEN"
            + " CREATE ROLE outsider LOGIN; END IF; END $$");
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(server.jdbcUrl());
    config.setUsername("outsider");
    config.setMaximumPoolSize(1);
    try (HikariDataSource outsider = new HikariDataSource(config)) {
      assertThat(new PostgresProbe(outsider, Duration.ofSeconds(2)).check())
          .contains("permission denied for schema permits");
    }
  }

  /** Keyed calls under {@code @Permits}. */
  static class Reports {
    @Permits(value = "reports", key = "#tenant")
    public String hold(String tenant, CountDownLatch entered, CountDownLatch release)
        throws InterruptedException {
      entered.countDown();
      release.await();
      return tenant;
    }

    @Permits(value = "reports", key = "#tenant")
    public String quick(String tenant) {
      return tenant;
    }
  }
}
