package io.permits.file;

import io.permits.Permit;
import java.nio.file.Path;

/**
 * Run in a separate JVM by the tests: {@code HoldMain DIR NAME LIMIT PERMITS} acquires PERMITS
 * of the file semaphore, prints "held", and holds them until its stdin closes (or it is
 * killed).
 */
public final class HoldMain {

  private HoldMain() {}

  @SuppressWarnings("try") // the permit is held, not used
  public static void main(String[] args) throws Exception {
    try (FileSemaphore semaphore =
            FileSemaphore.open(Path.of(args[0]), args[1], Integer.parseInt(args[2]));
        Permit permit = semaphore.acquire(Integer.parseInt(args[3]))) {
      System.out.println("held");
      System.out.flush();
      while (System.in.read() >= 0) {
        // hold until stdin closes
      }
    }
  }
}
