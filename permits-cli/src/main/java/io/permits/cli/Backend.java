package io.permits.cli;

import io.lettuce.core.RedisClient;
import io.permits.PermitHolder;
import io.permits.Semaphore;
import io.permits.file.FileSemaphore;
import io.permits.file.FileSemaphoreStatus;
import io.permits.redis.RedisSemaphore;
import io.permits.redis.RedisSemaphoreStatus;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * Where a command's semaphores live, from {@code --backend}: {@code file} (the default
 * directory of {@link FileSemaphore#defaultDirectory()}), {@code file:DIR}, or a Redis URI
 * ({@code redis://HOST:PORT}, {@code rediss://…}).
 */
sealed interface Backend {

  String FORMS = "file, file:DIRECTORY, or redis://HOST:PORT";

  /** Opens (creating it if needed) the semaphore {@code name} with {@code limit}. */
  Semaphore open(String name, int limit, boolean changeLimit, String command);

  /** The state of the semaphore {@code name}, or of every one when it is null. */
  List<Status> status(String name);

  /** Where, in words, for messages. */
  String where();

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
      throw new TypeConversionException("'" + value + "' is not a backend; use " + FORMS);
    }
  }
}
