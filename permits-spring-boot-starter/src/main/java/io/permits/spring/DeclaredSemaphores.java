package io.permits.spring;

import io.permits.KeyedSemaphore;
import io.permits.LocalSemaphore;
import io.permits.Semaphore;
import io.permits.micrometer.PermitsMetrics;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.core.env.Environment;

/**
 * The semaphores declared in {@code permits.semaphores}: their checked settings, and how each is
 * built (with its metrics) when its bean is made.
 */
final class DeclaredSemaphores {

  private final Map<String, SemaphoreSpec> specs;
  private final PermitsMetrics metrics;
  private final BeanFactory beans; // the DataSource beans of PostgreSQL backends

  DeclaredSemaphores(Map<String, SemaphoreSpec> specs, PermitsMetrics metrics, BeanFactory beans) {
    this.specs = Map.copyOf(specs);
    this.metrics = metrics;
    this.beans = beans;
  }

  /**
   * Reads and checks {@code permits.semaphores.*}.
   *
   * @param environment the application's environment
   * @return the settings by name, in declaration order
   * @throws RuntimeException a binding or {@link
   *     org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException}
   *     naming the bad property and value
   */
  static Map<String, SemaphoreSpec> read(Environment environment) {
    Map<String, PermitsProperties.SemaphoreProperties> declared =
        Binder.get(environment)
            .bind(
                "permits.semaphores",
                Bindable.mapOf(String.class, PermitsProperties.SemaphoreProperties.class))
            .orElseGet(Map::of);
    Map<String, SemaphoreSpec> specs = new LinkedHashMap<>();
    declared.forEach((name, properties) -> specs.put(name, SemaphoreSpec.of(name, properties)));
    return specs;
  }

  /**
   * The settings of a declared semaphore.
   *
   * @param name the name
   * @return its settings, or empty if it is not declared in properties
   */
  Optional<SemaphoreSpec> spec(String name) {
    return Optional.ofNullable(specs.get(name));
  }

  /**
   * Builds a declared semaphore, bound to the metrics: a {@link KeyedSemaphore} for one with a
   * per-key limit, else a {@link Semaphore}.
   *
   * @param spec its settings
   * @return the semaphore, which its bean closes
   */
  Object build(SemaphoreSpec spec) {
    @Nullable DataSource dataSource = null;
    if (spec.backend() instanceof Backend.Postgres postgres) {
      DataSources.Found found =
          DataSources.find(beans, SemaphoreSpec.PREFIX + spec.name() + ".backend", postgres);
      DataSources.registerUse(beans, found, spec.name()); // closed before its data source
      dataSource = found.dataSource();
    }
    if (spec.keyed()) {
      KeyedSemaphore.Builder builder =
          KeyedSemaphore.builder()
              .name(spec.name())
              .perKeyLimit(spec.perKeyLimit())
              .fairness(spec.fairness())
              .listener(metrics)
              .backend(BackendOpeners.opener(spec, dataSource));
      if (spec.limit() > 0) {
        builder.limit(spec.limit());
      }
      KeyedSemaphore<Object> keyed = builder.build();
      metrics.monitor(keyed);
      return keyed;
    }
    Semaphore semaphore = BackendOpeners.open(spec, spec.name(), spec.limit(), metrics, dataSource);
    if (!(semaphore instanceof LocalSemaphore)) { // a local one was attached to the listener
      metrics.monitor(semaphore);
    }
    return semaphore;
  }
}
