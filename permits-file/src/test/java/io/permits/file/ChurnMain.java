package io.permits.file;

import io.permits.Permit;
import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * Run in separate JVMs by the race test: {@code ChurnMain DIR NAME LIMIT ROUNDS COUNTER} prints
 * "ready", waits for a line on stdin, then ROUNDS times opens the semaphore (removed when
 * unused), tries for a permit and, holding it, checks two things: that the holders counted in
 * COUNTER (an int shared by all the processes through a mapped file) stay within LIMIT, and that
 * the file this process holds its permit in is the one the path names (a holder of a removed file
 * is exactly how removal would split the semaphore, and this sees it without needing another
 * holder at the same moment); then lets go and closes, which removes the file if it was the last
 * user. Prints "done ROUNDS GRANTED", or "violation: ..." (exit 1), or "failed: ..." (exit 2).
 */
public final class ChurnMain {

  private static final VarHandle INT =
      MethodHandles.byteBufferViewVarHandle(int[].class, ByteOrder.nativeOrder());

  private ChurnMain() {}

  public static void main(String[] args) throws Exception {
    Path directory = Path.of(args[0]).toRealPath();
    String name = args[1];
    int limit = Integer.parseInt(args[2]);
    int rounds = Integer.parseInt(args[3]);
    Path file = SemaphoreFiles.fileOf(directory, name);
    try (FileChannel counterFile =
        FileChannel.open(Path.of(args[4]), StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      MappedByteBuffer counter = counterFile.map(FileChannel.MapMode.READ_WRITE, 0, Integer.BYTES);
      System.out.println("ready");
      System.out.flush();
      if (System.in.read() < 0) {
        return;
      }
      int granted = 0;
      for (int round = 0; round < rounds; round++) {
        try (FileSemaphore semaphore =
            FileSemaphore.builder(name)
                .directory(directory)
                .limit(limit)
                .removeWhenUnused(true)
                .build()) {
          Optional<Permit> permit = semaphore.tryAcquire();
          if (permit.isEmpty()) {
            continue;
          }
          granted++;
          int inside = (int) INT.getAndAdd(counter, 0, 1) + 1;
          try {
            if (inside > limit) {
              violation("round " + round + ": " + inside + " holders, limit " + limit);
            }
            String stale = heldFileNotAtPath(file);
            if (stale != null) {
              violation("round " + round + ": holding a permit in " + stale);
            }
          } finally {
            INT.getAndAdd(counter, 0, -1);
            permit.get().close();
          }
        }
      }
      System.out.println("done " + rounds + " " + granted);
    } catch (Throwable failure) {
      System.out.println("failed: " + failure);
      failure.printStackTrace();
      System.exit(2);
    }
  }

  private static void violation(String what) {
    System.out.println("violation: " + what);
    System.out.flush();
    System.exit(1);
  }

  /**
   * Describes the file this process has open under the semaphore's name if the path does not
   * name it (removed, or replaced), or returns null. While a permit is held the only descriptor
   * on that name is the semaphore's own (one channel per file and JVM, and this process has one
   * thread).
   */
  private static @Nullable String heldFileNotAtPath(Path file) throws IOException {
    @Nullable Object atPath;
    try {
      atPath = Files.readAttributes(file, "unix:ino").get("ino");
    } catch (NoSuchFileException gone) {
      atPath = null;
    }
    try (DirectoryStream<Path> descriptors = Files.newDirectoryStream(Path.of("/proc/self/fd"))) {
      for (Path descriptor : descriptors) {
        String target;
        try {
          target = Files.readSymbolicLink(descriptor).toString();
        } catch (IOException closedMeanwhile) {
          continue;
        }
        if (!target.startsWith(file.toString())) {
          continue;
        }
        Object held;
        try {
          held = Files.readAttributes(descriptor, "unix:ino").get("ino"); // the open file's
        } catch (IOException closedMeanwhile) {
          continue;
        }
        if (!Objects.equals(held, atPath)) {
          return target + " (inode " + held + "; the path names " + atPath + ")";
        }
      }
    }
    return null;
  }
}
