package io.permits.cli;

import io.lettuce.core.RedisClient;
import io.permits.PermitHolder;
import io.permits.Semaphore;
import io.permits.file.FileSemaphore;
import io.permits.file.FileSemaphoreStatus;
import io.permits.postgres.PostgresSemaphore;
import io.permits.postgres.PostgresSemaphoreException;
import io.permits.postgres.PostgresSemaphoreStatus;
import io.permits.redis.RedisSemaphore;
import io.permits.redis.RedisSemaphoreStatus;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.postgresql.ds.PGSimpleDataSource;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * Where a command's semaphores live, from {@code --backend}: {@code file} (the default
 * directory of {@link FileSemaphore#defaultDirectory()}), {@code file:DIR}, a Redis URI
 * ({@code redis://HOST:PORT}, {@code rediss://…}), or a PostgreSQL URI ({@code
 * postgresql://USER:PASSWORD@HOST:PORT/DATABASE}).
 */
sealed interface Backend {

  String FORMS =
      "file, file:DIRECTORY, redis://HOST:PORT, or postgresql://USER:PASSWORD@HOST:PORT/DATABASE";

  /** Opens (creating it if needed) the semaphore {@code name} with {@code limit}. */
  Semaphore open(String name, int limit, boolean changeLimit, String command);

  /** The state of the semaphore {@code name}, or of every one when it is null. */
  List<Status> status(String name);

  /** Where, in words, for messages. */
  String where();

  /**
   * What a failure to open or read the backend tells the user, and the exit code: by default
   * that the backend cannot be reached (69).
   *
   * @param command the command, first in the message ("permits run")
   * @param failure what opening or reading threw (not a usage error)
   * @return the message and the exit code
   */
  default Failure explain(String command, RuntimeException failure) {
    return new Failure(
        ExitCodes.UNAVAILABLE,
        command + ": cannot reach " + where() + ": " + failure.getMessage());
  }

  /**
   * A failure as a command reports it.
   *
   * @param exitCode the command's exit code
   * @param message the line for standard error
   */
  record Failure(int exitCode, String message) {}

  /**
   * One semaphore's state, whatever the backend.
   *
   * @param name its name
   * @param limit its limit
   * @param holders its holders, oldest first
   * @param waiters its queued requests, oldest first
   */
  record Status(String name, int limit, List<PermitHolder> holders, List<PermitHolder> waiters) {
    int held() {
      return holders.stream().mapToInt(PermitHolder::permits).sum();
    }
  }

  /** The default: files in the per-user default directory. */
  static Backend defaultBackend() {
    return new Files(FileSemaphore.defaultDirectory());
  }

  /** Semaphores in a directory of this host ({@link FileSemaphore}). */
  record Files(Path directory) implements Backend {
    @Override
    public Semaphore open(String name, int limit, boolean changeLimit, String command) {
      return FileSemaphore.builder(name)
          .directory(directory)
          .limit(limit)
          .changeLimit(changeLimit)
          .command(command)
          .build();
    }

    @Override
    public List<Status> status(String name) {
      List<FileSemaphoreStatus> states =
          name != null
              ? List.of(FileSemaphore.status(directory, name))
              : FileSemaphore.statusAll(directory);
      List<Status> all = new ArrayList<>();
      for (FileSemaphoreStatus state : states) {
        all.add(new Status(state.name(), state.limit(), state.holders(), state.waiters()));
      }
      return all;
    }

    @Override
    public String where() {
      return directory.toString();
    }
  }

  /** Semaphores in a Redis primary ({@link RedisSemaphore}). */
  record Redis(String uri) implements Backend {
    /**
     * Opening a semaphore notes the server's persistence once per JVM, at INFO; a command runs
     * one JVM per command, and its user can do nothing about it per run: only warnings (an
     * evicting server) are shown. Held here, as the logging system keeps loggers weakly.
     */
    private static final java.util.logging.Logger SERVER_SETTINGS = quiet();

    private static java.util.logging.Logger quiet() {
      java.util.logging.Logger logger =
          java.util.logging.Logger.getLogger("io.permits.redis.ServerSettings");
      logger.setLevel(java.util.logging.Level.WARNING);
      return logger;
    }

    @Override
    public Semaphore open(String name, int limit, boolean changeLimit, String command) {
      SERVER_SETTINGS.getLevel(); // initialized before the first semaphore opens
      return RedisSemaphore.builder(uri)
          .name(name)
          .limit(limit)
          .changeLimit(changeLimit)
          .command(command)
          .build();
    }

    @Override
    public List<Status> status(String name) {
      RedisClient client = RedisClient.create(uri);
      try {
        List<String> names = name != null ? List.of(name) : RedisSemaphore.names(client);
        List<Status> all = new ArrayList<>();
        for (String each : names) {
          RedisSemaphoreStatus state = RedisSemaphore.status(client, each);
          all.add(new Status(state.name(), state.limit(), state.holders(), state.waiters()));
        }
        return all;
      } finally {
        client.shutdown();
      }
    }

    @Override
    public String where() {
      return uri;
    }
  }

  /**
   * Semaphores in a PostgreSQL database ({@link PostgresSemaphore}, schema {@code permits} unless
   * {@code --schema} names another), through a connection per statement (a command holds one
   * lease; no pool is worth starting).
   *
   * @param uri the URI without its password, for messages
   * @param dataSource connections to the database
   * @param schema the semaphores' schema
   */
  record Postgres(String uri, PGSimpleDataSource dataSource, String schema) implements Backend {
    static final String DEFAULT_SCHEMA = "permits";

    /** The same database, semaphores in {@code schema}. */
    Postgres withSchema(String schema) {
      return new Postgres(uri, dataSource, schema);
    }

    @Override
    public Semaphore open(String name, int limit, boolean changeLimit, String command) {
      return PostgresSemaphore.builder(dataSource)
          .schema(schema)
          .name(name)
          .limit(limit)
          .changeLimit(changeLimit)
          .command(command)
          .build();
    }

    @Override
    public List<Status> status(String name) {
      List<String> names =
          name != null ? List.of(name) : PostgresSemaphore.names(dataSource, schema);
      List<Status> all = new ArrayList<>();
      for (String each : names) {
        PostgresSemaphoreStatus state = PostgresSemaphore.status(dataSource, schema, each);
        all.add(new Status(state.name(), state.limit(), state.holders(), state.waiters()));
      }
      return all;
    }

    @Override
    public String where() {
      return schema.equals(DEFAULT_SCHEMA) ? uri : uri + " (schema " + schema + ")";
    }

    /**
     * A refused user (77) and a schema of another version (78) are no unreachable server: trying
     * again does not help, and what does (a grant, another schema or library version) differs.
     */
    @Override
    public Failure explain(String command, RuntimeException failure) {
      if (failure instanceof PostgresSemaphoreException refused) {
        switch (refused.reason()) {
          case DENIED -> {
            return new Failure(
                ExitCodes.NOPERM,
                command + ": " + where() + " refused the database user: " + failure.getMessage());
          }
          case SCHEMA -> {
            return new Failure(
                ExitCodes.CONFIG,
                command + ": " + where() + " is not set up for this version of permits: "
                    + failure.getMessage() + " (--schema names another schema)");
          }
          default -> {}
        }
      }
      return Backend.super.explain(command, failure);
    }

    /** A libpq-style URI, {@code postgresql://[USER[:PASSWORD]@]HOST[:PORT]/DATABASE[?…]}. */
    static Postgres parse(String value) {
      URI uri;
      try {
        uri = new URI(value);
      } catch (URISyntaxException bad) {
        throw new TypeConversionException(
            "'" + value + "' is not a PostgreSQL URI: " + bad.getMessage());
      }
      if (uri.getHost() == null) {
        throw new TypeConversionException(
            "'" + value + "' is not a PostgreSQL URI: no host"
                + " (e.g. postgresql://app@db.example:5432/app)");
      }
      String database = uri.getPath() == null || uri.getPath().length() <= 1
          ? "postgres" : uri.getPath().substring(1);
      int port = uri.getPort() > 0 ? uri.getPort() : 5432;
      PGSimpleDataSource dataSource = new PGSimpleDataSource();
      dataSource.setURL("jdbc:postgresql://" + uri.getHost() + ":" + port + "/" + database
          + (uri.getRawQuery() != null ? "?" + uri.getRawQuery() : ""));
      String who = "";
      if (uri.getRawUserInfo() != null) {
        String[] parts = uri.getRawUserInfo().split(":", 2);
        dataSource.setUser(URLDecoder.decode(parts[0], StandardCharsets.UTF_8));
        if (parts.length == 2) {
          dataSource.setPassword(URLDecoder.decode(parts[1], StandardCharsets.UTF_8));
        }
        who = URLDecoder.decode(parts[0], StandardCharsets.UTF_8) + "@";
      }
      dataSource.setConnectTimeout(10);
      return new Postgres(
          "postgresql://" + who + uri.getHost() + ":" + port + "/" + database, dataSource,
          DEFAULT_SCHEMA);
    }
  }

  /** Reads {@code --backend}; a bad value is a usage error naming it. */
  final class Converter implements ITypeConverter<Backend> {
    /** Creates the converter; picocli calls this. */
    Converter() {}

    @Override
    public Backend convert(String value) {
      if (value.equals("file")) {
        return defaultBackend();
      }
      if (value.startsWith("file:") && value.length() > "file:".length()) {
        return new Files(Path.of(value.substring("file:".length())));
      }
      if (value.startsWith("redis://") || value.startsWith("rediss://")) {
        try {
          io.lettuce.core.RedisURI.create(value);
        } catch (RuntimeException bad) {
          throw new TypeConversionException(
              "'" + value + "' is not a Redis URI: " + bad.getMessage());
        }
        return new Redis(value);
      }
      if (value.startsWith("postgresql://") || value.startsWith("postgres://")) {
        return Postgres.parse(value);
      }
      throw new TypeConversionException("'" + value + "' is not a backend; use " + FORMS);
    }
  }
}
