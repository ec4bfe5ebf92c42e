package io.permits.spring;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.MeterRegistry;
import io.permits.Fairness;
import io.permits.KeyedSemaphore;
import io.permits.LocalSemaphore;
import io.permits.Permit;
import io.permits.Semaphore;
import io.permits.file.FileSemaphore;
import io.permits.micrometer.PermitsMetrics;
import io.permits.redis.RedisSemaphore;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.stereotype.Component;

/** Properties to beans, bad properties to clear failures, and the beans' life and metrics. */
@Timeout(60)
class PermitsAutoConfigurationTest {

  private final ApplicationContextRunner runner =
      new ApplicationContextRunner()
          .withConfiguration(AutoConfigurations.of(PermitsAutoConfiguration.class));

  @Test
  void aDeclaredSemaphoreIsABeanOfItsName() {
    runner
        .withPropertyValues(
            "permits.semaphores.db.limit=3", "permits.semaphores.db.fairness=strict")
        .run(
            context -> {
              assertThat(context).hasNotFailed();
              Semaphore db = context.getBean("db", Semaphore.class);
              assertThat(db).isInstanceOf(LocalSemaphore.class);
              assertThat(db.name()).isEqualTo("db");
              assertThat(db.limit()).isEqualTo(3);
              assertThat(((LocalSemaphore) db).fairness()).isEqualTo(Fairness.STRICT);
            });
  }

  @Test
  void aSemaphoreWithAPerKeyLimitIsAKeyedSemaphoreInjectableWithStringKeys() {
    runner
        .withPropertyValues(
            "permits.semaphores.exports.limit=20", "permits.semaphores.exports.per-key-limit=2")
        .withUserConfiguration(TakesStringKeys.class)
        .run(
            context -> {
              assertThat(context).hasNotFailed();
              KeyedSemaphore<?> exports = context.getBean("exports", KeyedSemaphore.class);
              assertThat(exports.perKeyLimit()).isEqualTo(2);
              assertThat(exports.totalLimit()).contains(20);
              assertThat(context.getBean(TakesStringKeys.class).exports).isSameAs(exports);
            });
  }

  @Test
  void aKeyedSemaphoreMayHaveNoTotal() {
    runner
        .withPropertyValues("permits.semaphores.uploads.per-key-limit=1")
        .run(
            context ->
                assertThat(context.getBean("uploads", KeyedSemaphore.class).totalLimit())
                    .isEmpty());
  }

  @Test
  void aFileBackendOpensAFileSemaphoreAndItsKeysThere(@TempDir Path directory) throws Exception {
    runner
        .withPropertyValues(
            "permits.semaphores.ffmpeg.limit=2",
            "permits.semaphores.ffmpeg.backend=file:" + directory,
            "permits.semaphores.exports.per-key-limit=1",
            "permits.semaphores.exports.backend=file:" + directory)
        .run(
            context -> {
              assertThat(context).hasNotFailed();
              assertThat(context.getBean("ffmpeg")).isInstanceOf(FileSemaphore.class);
              assertThat(((FileSemaphore) context.getBean("ffmpeg")).directory())
                  .isEqualTo(directory.toRealPath());
              @SuppressWarnings("unchecked")
              KeyedSemaphore<String> exports = context.getBean("exports", KeyedSemaphore.class);
              try (Permit permit = exports.acquire("acme")) {
                assertThat(directory.resolve("exports.acme.permits")).exists();
                assertThat(exports.tryAcquire("acme")).isEmpty();
              }
              assertThat(directory.resolve("exports.acme.permits"))
                  .as("an idle key leaves no file")
                  .doesNotExist();
            });
  }

  @Test
  void semaphoresAreClosedWithTheContext() {
    AtomicReference<Semaphore> plain = new AtomicReference<>();
    AtomicReference<KeyedSemaphore<?>> keyed = new AtomicReference<>();
    runner
        .withPropertyValues(
            "permits.semaphores.db.limit=1", "permits.semaphores.exports.per-key-limit=1")
        .run(
            context -> {
              plain.set(context.getBean("db", Semaphore.class));
              keyed.set(context.getBean("exports", KeyedSemaphore.class));
              assertThat(plain.get().isClosed()).isFalse();
            });
    assertThat(plain.get().isClosed()).isTrue();
    assertThat(keyed.get().isClosed()).isTrue();
  }

  @Test
  void aBeanOfTheApplicationWithADeclaredNameWins() {
    runner
        .withPropertyValues("permits.semaphores.db.limit=3")
        .withUserConfiguration(OwnDb.class)
        .run(context -> assertThat(context.getBean("db", Semaphore.class).limit()).isEqualTo(7));
  }

  @Test
  void aComponentThatTakesADeclaredNameStopsTheStartup() {
    runner
        .withPropertyValues("permits.semaphores.reports.per-key-limit=2")
        .withBean("reports", TakesStringKeys.class)
        .run(
            context ->
                assertThat(failure(context))
                    .contains("permits.semaphores.reports")
                    .contains("is the name of a bean of class " + TakesStringKeys.class.getName())
                    .contains("rename the semaphore or that bean"));
  }

  @Test
  void everyDeclaredSemaphoreIsBoundToTheMeterRegistryWithoutCode() {
    runner
        .withConfiguration(
            AutoConfigurations.of(
                MetricsAutoConfiguration.class,
                CompositeMeterRegistryAutoConfiguration.class,
                SimpleMetricsExportAutoConfiguration.class))
        .withPropertyValues(
            "permits.semaphores.db.limit=3",
            "permits.semaphores.exports.per-key-limit=2",
            "permits.semaphores.exports.limit=10")
        .run(
            context -> {
              Semaphore db = context.getBean("db", Semaphore.class);
              @SuppressWarnings("unchecked")
              KeyedSemaphore<String> exports = context.getBean("exports", KeyedSemaphore.class);
              MeterRegistry registry = context.getBean(MeterRegistry.class);
              try (Permit one = db.acquire(); Permit two = exports.acquire("acme")) {
                assertThat(registry.get("permits.active").tag("name", "db").gauge().value())
                    .isEqualTo(1);
                assertThat(registry.get("permits.waiting").tag("name", "db").gauge().value())
                    .isZero();
                assertThat(registry.get("permits.keys").tag("name", "exports").gauge().value())
                    .isEqualTo(1);
                assertThat(registry.get("permits.waiting").tag("name", "exports").gauge().value())
                    .isZero();
              }
              assertThat(
                      registry.get("permits.acquire").tags("name", "db", "result", "granted")
                          .timer().count())
                  .isEqualTo(1);
            });
  }

  @Test
  void anApplicationsPermitsMetricsReplacesTheDefault() {
    PermitsMetrics own = new PermitsMetrics();
    runner
        .withBean(PermitsMetrics.class, () -> own)
        .run(context -> assertThat(context.getBean(PermitsMetrics.class)).isSameAs(own));
  }

  @Test
  void aZeroLimitFailsNamingThePropertyAndValue() {
    assertFails("permits.semaphores.db.limit=0", "permits.semaphores.db.limit", "'0'",
        "must be at least 1", "[invalid value]");
  }

  @Test
  void aZeroPerKeyLimitFails() {
    assertFails("permits.semaphores.exports.per-key-limit=0",
        "permits.semaphores.exports.per-key-limit", "'0'", "must be at least 1");
  }

  @Test
  void aSemaphoreWithoutALimitFails() {
    assertFails("permits.semaphores.db.fairness=strict", "permits.semaphores.db.limit",
        "needs a limit");
  }

  @Test
  void anUnknownBackendFails() {
    runner
        .withPropertyValues("permits.semaphores.db.limit=1",
            "permits.semaphores.db.backend=zookeeper://zk:2181")
        .run(
            context ->
                assertThat(failure(context))
                    .contains("permits.semaphores.db.backend")
                    .contains("'zookeeper://zk:2181'")
                    .contains("'local', 'file:DIR'"));
  }

  @Test
  void anUnknownFairnessFailsNamingThePropertyAndValue() {
    runner
        .withPropertyValues("permits.semaphores.db.limit=1", "permits.semaphores.db.fairness=fifo")
        .run(
            context -> {
              assertThat(context).hasFailed();
              String all = failure(context);
              assertThat(all).contains("permits.semaphores.db.fairness").contains("fifo");
            });
  }

  @Test
  void aLeaseOnALocalBackendFails() {
    runner
        .withPropertyValues("permits.semaphores.db.limit=1", "permits.semaphores.db.lease=30s")
        .run(
            context ->
                assertThat(failure(context))
                    .contains("permits.semaphores.db.lease")
                    .contains("leases are for a redis:// or postgresql backend"));
  }

  @Test
  void aNegativeMaxWaitFails() {
    runner
        .withPropertyValues("permits.semaphores.db.limit=1", "permits.semaphores.db.max-wait=-1s")
        .run(
            context ->
                assertThat(failure(context))
                    .contains("permits.semaphores.db.max-wait", "'PT-1S'", "must not be negative"));
  }

  @Test
  void aRedisBackendWithoutPermitsRedisFailsNamingTheModule() {
    runner
        .withClassLoader(new FilteredClassLoader(RedisSemaphore.class))
        .withPropertyValues(
            "permits.semaphores.api.limit=1",
            "permits.semaphores.api.backend=redis://localhost:6379")
        .run(
            context ->
                assertThat(failure(context))
                    .contains("permits.semaphores.api.backend")
                    .contains("'redis://localhost:6379'")
                    .contains("io.permits:permits-redis"));
  }

  @Test
  void aFileBackendWithoutPermitsFileFailsNamingTheModule() {
    runner
        .withClassLoader(new FilteredClassLoader(FileSemaphore.class))
        .withPropertyValues(
            "permits.semaphores.ffmpeg.limit=1", "permits.semaphores.ffmpeg.backend=file:/tmp/x")
        .run(context -> assertThat(failure(context)).contains("io.permits:permits-file"));
  }

  @Test
  void aSharedSemaphoresNameMustSuitTheBackends() {
    runner
        .withPropertyValues(
            "permits.semaphores.[a b].limit=1", "permits.semaphores.[a b].backend=file")
        .run(context -> assertThat(failure(context)).contains("'a b' is not"));
  }

  @Test
  void virtualThreadsEnabledChangesNothing() throws Exception {
    runner
        .withPropertyValues("spring.threads.virtual.enabled=true", "permits.semaphores.db.limit=2")
        .run(
            context -> {
              Semaphore db = context.getBean("db", Semaphore.class);
              try (var threads = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
                for (int i = 0; i < 100; i++) {
                  threads.submit(() -> {
                    db.run(Duration.ofMinutes(1), () -> {});
                    return null;
                  });
                }
              }
              assertThat(db.available()).isEqualTo(2);
              assertThat(db.stats().grants()).isEqualTo(100);
            });
  }

  /** Starts with the one property (and nothing else for that semaphore) and expects a failure. */
  private void assertFails(String property, String... inMessage) {
    runner
        .withPropertyValues(property)
        .run(context -> assertThat(failure(context)).contains(inMessage));
  }

  /** The messages of the startup failure's chain, which must hold the bad property. */
  static String failure(org.springframework.boot.test.context.assertj.AssertableApplicationContext
      context) {
    assertThat(context).hasFailed();
    StringBuilder all = new StringBuilder();
    boolean invalidValue = false;
    for (Throwable t = context.getStartupFailure(); t != null; t = t.getCause()) {
      all.append(t.getMessage()).append('\n');
      invalidValue |= t instanceof InvalidConfigurationPropertyValueException;
    }
    return all.toString() + (invalidValue ? "[invalid value]" : "");
  }

  @Component
  static class TakesStringKeys {
    final KeyedSemaphore<String> exports;

    @Autowired
    TakesStringKeys(KeyedSemaphore<String> exports) {
      this.exports = exports;
    }
  }

  @Configuration(proxyBeanMethods = false)
  static class OwnDb {
    @Bean
    Semaphore db() {
      return Semaphore.of(7);
    }
  }
}
