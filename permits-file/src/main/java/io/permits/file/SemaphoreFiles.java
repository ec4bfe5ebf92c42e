package io.permits.file;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/** Names, directories and file names of file semaphores. */
final class SemaphoreFiles {

  static final String SUFFIX = ".permits";
  static final int MAX_NAME_LENGTH = 128;

  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9._-]*");

  private SemaphoreFiles() {}

  /**
   * {@code $XDG_RUNTIME_DIR/permits} when that variable names a directory (per user, on a
   * memory file system, emptied at logout), else {@code <java.io.tmpdir>/permits-<user>}.
   */
  static Path defaultDirectory() {
    String runtime = System.getenv("XDG_RUNTIME_DIR");
    if (runtime != null && !runtime.isBlank() && Files.isDirectory(Path.of(runtime))) {
      return Path.of(runtime, "permits");
    }
    String user = System.getProperty("user.name", "user").replaceAll("[^A-Za-z0-9._-]", "_");
    return Path.of(System.getProperty("java.io.tmpdir"), "permits-" + user);
  }

  /** Checks a semaphore name: it becomes a file name, so no separators, no leading dot. */
  static String checkName(String name) {
    if (name == null) {
      throw new NullPointerException("name");
    }
    if (name.isEmpty() || name.length() > MAX_NAME_LENGTH || !NAME.matcher(name).matches()) {
      throw new IllegalArgumentException(
          "bad semaphore name '"
              + name
              + "': use 1 to "
              + MAX_NAME_LENGTH
              + " letters, digits, '.', '_' or '-', not starting with '.' or '-'"
              + " (it names a file, so no '/' and no '..')");
    }
    return name;
  }

  static Path fileOf(Path directory, String name) {
    return directory.resolve(name + SUFFIX);
  }

  /**
   * Creates the directory (and missing parents) with {@code permissions} plus the execute bits
   * that go with them; an existing directory is used as it is, but the default one must belong
   * to this user (else another user could have made it to watch or block this user's
   * semaphores). Returns its real path.
   */
  static Path ensureDirectory(
      Path directory, Set<PosixFilePermission> filePermissions, boolean mustOwn) {
    try {
      if (!Files.isDirectory(directory)) {
        Files.createDirectories(
            directory, PosixFilePermissions.asFileAttribute(directoryPermissions(filePermissions)));
      }
      Path real = directory.toRealPath();
      String user = System.getProperty("user.name");
      String owner = Files.getOwner(real).getName();
      if (mustOwn && user != null && !owner.equals(user)) {
        throw new IllegalStateException(
            "the semaphore directory "
                + real
                + " belongs to '"
                + owner
                + "', not to this user '"
                + user
                + "': remove it, or choose another directory");
      }
      return real;
    } catch (IOException failure) {
      throw new UncheckedIOException(
          "cannot create the semaphore directory " + directory + ": " + failure, failure);
    }
  }

  /**
   * Checks that the directory's file system gives files a key ({@code fileKey()}: device and
   * inode number), which removing files when unused needs (see UsersLock).
   *
   * @throws UnsupportedOperationException if it does not
   */
  static void checkFileKeys(Path directory) {
    try {
      if (Files.readAttributes(directory, BasicFileAttributes.class).fileKey() == null) {
        throw new UnsupportedOperationException(
            "removeWhenUnused(true) needs a file system that gives each file a key (an inode"
                + " number), and the one of "
                + directory
                + " does not");
      }
    } catch (IOException failure) {
      throw new UncheckedIOException("cannot read " + directory + ": " + failure, failure);
    }
  }

  /** The names of the semaphores whose files are in {@code directory}, sorted. */
  static List<String> names(Path directory) {
    List<String> names = new ArrayList<>();
    if (!Files.isDirectory(directory)) {
      return names;
    }
    try (DirectoryStream<Path> files = Files.newDirectoryStream(directory, "*" + SUFFIX)) {
      for (Path file : files) {
        String fileName = file.getFileName().toString();
        String name = fileName.substring(0, fileName.length() - SUFFIX.length());
        if (NAME.matcher(name).matches()) {
          names.add(name);
        }
      }
    } catch (IOException failure) {
      throw new UncheckedIOException("cannot list " + directory + ": " + failure, failure);
    }
    names.sort(null);
    return names;
  }

  private static Set<PosixFilePermission> directoryPermissions(Set<PosixFilePermission> file) {
    Set<PosixFilePermission> directory = EnumSet.noneOf(PosixFilePermission.class);
    directory.addAll(file);
    if (file.contains(PosixFilePermission.OWNER_READ)) {
      directory.add(PosixFilePermission.OWNER_EXECUTE);
    }
    if (file.contains(PosixFilePermission.GROUP_READ)) {
      directory.add(PosixFilePermission.GROUP_EXECUTE);
    }
    if (file.contains(PosixFilePermission.OTHERS_READ)) {
      directory.add(PosixFilePermission.OTHERS_EXECUTE);
    }
    return directory;
  }
}
