package io.permits.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;
import picocli.CommandLine.IVersionProvider;

/**
 * Supplies {@code permits --version}: "permits" and the version the build wrote into the
 * {@code version.properties} resource beside this class (Maven resource filtering), so the
 * answer is the same from the jar, from {@code target/classes} and in tests.
 */
public final class VersionProvider implements IVersionProvider {

  private static final String RESOURCE = "version.properties";

  /** Creates the provider; picocli calls this. */
  public VersionProvider() {}

  /**
   * The version of this build, e.g. {@code 0.1.0-SNAPSHOT}.
   *
   * @return the version, or {@code "unknown"} when the resource is missing (a build that did
   *     not run resource filtering), falling back to the jar manifest's version if there is one
   */
  public static String version() {
    try (InputStream in = VersionProvider.class.getResourceAsStream(RESOURCE)) {
      if (in != null) {
        Properties properties = new Properties();
        properties.load(in);
        String version = properties.getProperty("version", "");
        if (!version.isBlank() && !version.contains("${")) {
          return version.strip();
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + RESOURCE, e);
    }
    String fromManifest = VersionProvider.class.getPackage().getImplementationVersion();
    return fromManifest != null ? fromManifest : "unknown";
  }

  /**
   * The lines {@code --version} prints.
   *
   * @return one line, {@code "permits <version>"}
   */
  @Override
  public String[] getVersion() {
    return new String[] {"permits " + version()};
  }
}
