package io.permits.spring;

import io.permits.KeyedSemaphore;
import io.permits.LocalSemaphore;
import io.permits.Semaphore;
import io.permits.SemaphoreListener;
import io.permits.file.FileSemaphore;
import io.permits.postgres.PostgresSemaphore;
import io.permits.redis.RedisSemaphore;
import java.nio.file.Path;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.util.ClassUtils;

/**
 * Opens the semaphores of a declared semaphore's backend: the one place that knows how each
 * backend's builder is called. A semaphore without keys is opened once, under its name; a keyed
 * one opens a semaphore per key in use ({@code NAME.KEY}) and one for its total ({@code NAME})
 * through {@link #opener(SemaphoreSpec, DataSource)}.
 *
 * <p>The file, Redis and PostgreSQL modules are optional: their classes are named only in the
 * nested holders, which the JVM loads when a semaphore of that backend is opened, after {@link
 * #requireModule(SemaphoreSpec, ClassLoader)} has checked that the module is there.
 */
final class BackendOpeners {

  /**
   * How long a key's Redis keys outlive its last lease or ticket. Idle keys leave nothing behind
   * (on files, a key's file goes when no process has it open); a minute spares a busy key the
   * re-creation of its keys between requests.
   */
  static final java.time.Duration KEY_IDLE_EXPIRY = java.time.Duration.ofMinutes(1);

  private BackendOpeners() {}

  /**
   * Fails, naming the property and the module to add, when the backend's module is missing.
   *
   * @param spec the semaphore
   * @param classLoader the application's class loader
   * @throws InvalidConfigurationPropertyValueException if the module is not on the class path
   */
  static void requireModule(SemaphoreSpec spec, @Nullable ClassLoader classLoader) {
    @Nullable String needed =
        switch (spec.backend()) {
          case Backend.Local local -> null;
          case Backend.File file -> "io.permits.file.FileSemaphore";
          case Backend.Redis redis -> "io.permits.redis.RedisSemaphore";
          case Backend.Postgres postgres -> "io.permits.postgres.PostgresSemaphore";
        };
    if (needed != null && !ClassUtils.isPresent(needed, classLoader)) {
      String module =
          switch (spec.backend()) {
            case Backend.File file -> "permits-file";
            case Backend.Postgres postgres -> "permits-postgres";
            default -> "permits-redis";
          };
      throw new InvalidConfigurationPropertyValueException(
          SemaphoreSpec.PREFIX + spec.name() + ".backend",
          spec.backend().text(),
          "this backend needs the module io.permits:"
              + module
              + " on the class path; add it to the application's dependencies");
    }
  }

  /**
   * Opens one semaphore of the backend.
   *
   * @param spec the declared semaphore (backend, fairness, lease, holder tracking)
   * @param name the name to open: the declared name, or {@code NAME.KEY} for a key
   * @param limit the limit to open it with
   * @param listener a listener for an in-process semaphore (the other backends take none), or null
   * @param dataSource the data source of a PostgreSQL backend ({@link DataSources}), else null
   * @return the semaphore, which the caller closes
   */
  static Semaphore open(
      SemaphoreSpec spec,
      String name,
      int limit,
      @Nullable SemaphoreListener listener,
      @Nullable DataSource dataSource) {
    return switch (spec.backend()) {
      case Backend.Local local -> {
        LocalSemaphore.Builder builder =
            LocalSemaphore.builder()
                .name(name)
                .limit(limit)
                .fairness(spec.fairness())
                .trackHolders(spec.trackHolders());
        if (listener != null) {
          builder.listener(listener);
        }
        yield builder.build();
      }
      case Backend.File file -> Files.open(spec, file, name, limit, isKey(spec, name));
      case Backend.Redis redis -> Redis.open(spec, redis, name, limit, isKey(spec, name));
      case Backend.Postgres postgres -> {
        if (dataSource == null) {
          throw new IllegalStateException("no DataSource for " + postgres.text());
        }
        yield Postgres.open(spec, dataSource, name, limit, isKey(spec, name));
      }
    };
  }

  /** Whether {@code name} is one key's semaphore of a keyed {@code spec} (not its total). */
  private static boolean isKey(SemaphoreSpec spec, String name) {
    return !name.equals(spec.name());
  }

  /**
   * The opener of a keyed semaphore's per-key semaphores and total.
   *
   * @param spec the declared keyed semaphore
   * @param dataSource the data source of a PostgreSQL backend, else null
   * @return an opener for {@link KeyedSemaphore.Builder#backend(KeyedSemaphore.Opener)}
   */
  static KeyedSemaphore.Opener opener(SemaphoreSpec spec, @Nullable DataSource dataSource) {
    return (name, limit) -> open(spec, name, limit, null, dataSource);
  }

  /**
   * The directory of a file backend.
   *
   * @param file the backend
   * @return its directory, or the file semaphores' default one
   */
  static Path directory(Backend.File file) {
    Path directory = file.directory();
    return directory != null ? directory : Files.defaultDirectory();
  }

  /** Names {@link FileSemaphore}: loaded only for a file backend. */
  private static final class Files {
    static Semaphore open(
        SemaphoreSpec spec, Backend.File file, String name, int limit, boolean key) {
      FileSemaphore.Builder builder =
          FileSemaphore.builder(name).limit(limit).fairness(spec.fairness()).removeWhenUnused(key);
      Path directory = file.directory();
      if (directory != null) {
        builder.directory(directory);
      }
      return builder.build();
    }

    static Path defaultDirectory() {
      return FileSemaphore.defaultDirectory();
    }
  }

  /** Names {@link RedisSemaphore}: loaded only for a Redis backend. */
  private static final class Redis {
    static Semaphore open(
        SemaphoreSpec spec, Backend.Redis redis, String name, int limit, boolean key) {
      RedisSemaphore.Builder builder =
          RedisSemaphore.builder(redis.uri()).name(name).limit(limit).fairness(spec.fairness());
      if (key) {
        builder.expireWhenIdle(KEY_IDLE_EXPIRY);
      }
      java.time.Duration lease = spec.lease();
      if (lease != null) {
        builder.lease(lease);
      }
      return builder.build();
    }
  }

  /**
   * Names {@link PostgresSemaphore}: loaded only for a PostgreSQL backend. A key's semaphore opens
   * with {@code changeLimit(true)}: the backend keeps a key's row (and its limit) after the key
   * goes idle, so without it every key used before a change of the per-key limit would fail to
   * open from then on; the declared per-key limit wins instead. A semaphore without keys, and a
   * keyed one's total, fail on another recorded limit, as on the other backends.
   */
  private static final class Postgres {
    static Semaphore open(
        SemaphoreSpec spec, DataSource dataSource, String name, int limit, boolean key) {
      PostgresSemaphore.Builder builder =
          PostgresSemaphore.builder(dataSource)
              .name(name)
              .limit(limit)
              .fairness(spec.fairness())
              .changeLimit(key);
      java.time.Duration lease = spec.lease();
      if (lease != null) {
        builder.lease(lease);
      }
      return builder.build();
    }
  }
}
