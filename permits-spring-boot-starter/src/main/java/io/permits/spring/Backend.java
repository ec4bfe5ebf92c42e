package io.permits.spring;

import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;

/** Where a declared semaphore's permits live: the {@code backend} property, parsed. */
sealed interface Backend {

  /** The property's text, for messages and the health details. */
  String text();

  /** In this JVM. */
  record Local() implements Backend {
    @Override
    public String text() {
      return "local";
    }
  }

  /**
   * A {@code FileSemaphore} in {@code directory}.
   *
   * @param directory the directory, or null for {@code FileSemaphore.defaultDirectory()}
   */
  record File(@Nullable Path directory) implements Backend {
    @Override
    public String text() {
      return directory == null ? "file" : "file:" + directory;
    }
  }

  /**
   * A {@code RedisSemaphore} on the server at {@code uri}.
   *
   * @param uri a {@code redis://} or {@code rediss://} URI
   */
  record Redis(String uri) implements Backend {
    @Override
    public String text() {
      return uri;
    }
  }

  /**
   * A {@code PostgresSemaphore} on a {@code DataSource} bean of the application, schema {@code
   * permits}.
   *
   * @param dataSourceBean the bean's name, or null for the application's one {@code DataSource}
   *     (its primary one, if it has several)
   */
  record Postgres(@Nullable String dataSourceBean) implements Backend {
    @Override
    public String text() {
      return dataSourceBean == null ? "postgresql" : "postgresql:" + dataSourceBean;
    }
  }

  /**
   * Reads the {@code backend} property.
   *
   * @param property the property's full name, for the message
   * @param value its value
   * @return the backend
   * @throws InvalidConfigurationPropertyValueException if it is none of the forms
   */
  static Backend parse(String property, String value) {
    String text = value.strip();
    if (text.equals("local")) {
      return new Local();
    }
    if (text.equals("file") || text.equals("file:")) {
      return new File(null);
    }
    if (text.startsWith("file:")) {
      try {
        return new File(Path.of(text.substring("file:".length())));
      } catch (InvalidPathException bad) {
        throw new InvalidConfigurationPropertyValueException(
            property, value, "not a directory path: " + bad.getMessage());
      }
    }
    if (text.startsWith("redis://") || text.startsWith("rediss://")) {
      if (text.endsWith("://")) {
        throw new InvalidConfigurationPropertyValueException(
            property, value, "a Redis URI names a host, e.g. redis://localhost:6379");
      }
      return new Redis(text);
    }
    if (text.startsWith("postgresql://") || text.startsWith("postgres://")) {
      throw new InvalidConfigurationPropertyValueException(
          property,
          value,
          "a PostgreSQL backend uses a DataSource bean of the application, not a URI:"
              + " 'postgresql' for its DataSource (spring.datasource.*), 'postgresql:BEAN' for"
              + " the DataSource bean named BEAN");
    }
    if (text.equals("postgresql")) {
      return new Postgres(null);
    }
    if (text.startsWith("postgresql:")) {
      String bean = text.substring("postgresql:".length()).strip();
      if (bean.isEmpty()) {
        throw new InvalidConfigurationPropertyValueException(
            property, value, "name the DataSource bean after 'postgresql:', or leave out the ':'");
      }
      return new Postgres(bean);
    }
    throw new InvalidConfigurationPropertyValueException(
        property,
        value,
        "the backend is 'local', 'file:DIR' (or 'file' for the default directory),"
            + " 'redis://HOST:PORT' or 'postgresql' (or 'postgresql:BEAN' for a DataSource bean"
            + " other than the application's)");
  }
}
