package io.permits.spring;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

/**
 * The health of the distributed backends the declared semaphores use (contributor {@code
 * permits}): each Redis server answers {@code PING} within the timeout, each PostgreSQL backend's
 * data source gives a connection on which the semaphores' schema can be read within the timeout
 * ({@link PostgresProbe}), each file directory is a writable directory (or can be made: its
 * nearest existing parent is writable). DOWN if any is not, with the cause under the backend's
 * name; the details list every backend. In-process semaphores have no backend to check.
 */
public class PermitsHealthIndicator implements HealthIndicator, DisposableBean {

  private final Set<String> redisUris = new LinkedHashSet<>();
  private final Set<Path> directories = new LinkedHashSet<>();
  private final Map<Backend.Postgres, String> databases = new LinkedHashMap<>(); // to its property
  private final Duration timeout;
  private final BeanFactory beans;
  private final Map<String, RedisProbe> probes = new ConcurrentHashMap<>();
  private final Map<Backend.Postgres, PostgresProbe> postgresProbes = new ConcurrentHashMap<>();

  PermitsHealthIndicator(Iterable<SemaphoreSpec> specs, Duration timeout, BeanFactory beans) {
    this.timeout = timeout;
    this.beans = beans;
    for (SemaphoreSpec spec : specs) {
      switch (spec.backend()) {
        case Backend.Redis redis -> redisUris.add(redis.uri());
        case Backend.Postgres postgres ->
            databases.putIfAbsent(postgres, SemaphoreSpec.PREFIX + spec.name() + ".backend");
        case Backend.File file -> directories.add(BackendOpeners.directory(file));
        case Backend.Local local -> {}
      }
    }
  }

  @Override
  public Health health() {
    Map<String, Object> details = new LinkedHashMap<>();
    boolean up = true;
    for (String uri : redisUris) {
      String problem = redis(uri);
      up &= problem == null;
      details.put(uri, problem == null ? "UP" : "DOWN: " + problem);
    }
    for (Map.Entry<Backend.Postgres, String> database : databases.entrySet()) {
      String problem = postgres(database.getKey(), database.getValue());
      up &= problem == null;
      details.put(database.getKey().text(), problem == null ? "UP" : "DOWN: " + problem);
    }
    for (Path directory : directories) {
      String problem = writable(directory);
      up &= problem == null;
      details.put("file:" + directory, problem == null ? "UP" : "DOWN: " + problem);
    }
    return (up ? Health.up() : Health.down()).withDetails(details).build();
  }

  private @Nullable String redis(String uri) {
    try {
      probes.computeIfAbsent(uri, u -> new RedisProbe(u, timeout)).ping();
      return null;
    } catch (RuntimeException unreachable) {
      return String.valueOf(unreachable.getMessage() != null ? unreachable.getMessage()
          : unreachable);
    }
  }

  private @Nullable String postgres(Backend.Postgres backend, String property) {
    PostgresProbe probe = postgresProbes.get(backend);
    if (probe == null) {
      try {
        DataSource dataSource = DataSources.find(beans, property, backend).dataSource();
        probe =
            postgresProbes.computeIfAbsent(backend, any -> new PostgresProbe(dataSource, timeout));
      } catch (RuntimeException noDataSource) {
        return String.valueOf(noDataSource.getMessage());
      }
    }
    return probe.check();
  }

  /** Null if {@code directory} is writable, or can be made under a writable parent. */
  static @Nullable String writable(Path directory) {
    Path absolute = directory.toAbsolutePath();
    if (Files.isDirectory(absolute)) {
      return Files.isWritable(absolute) ? null : absolute + " is not writable";
    }
    if (Files.exists(absolute)) {
      return absolute + " is not a directory";
    }
    Path parent = absolute.getParent();
    while (parent != null && !Files.exists(parent)) {
      parent = parent.getParent();
    }
    if (parent == null || !Files.isDirectory(parent) || !Files.isWritable(parent)) {
      return absolute + " does not exist and cannot be made"
          + (parent == null ? "" : " (" + parent + " is not a writable directory)");
    }
    return null;
  }

  /** Closes the Redis clients. */
  @Override
  public void destroy() {
    for (RedisProbe probe : probes.values()) { // a loop: no Lettuce class is linked without Redis
      probe.close();
    }
    probes.clear();
  }
}
