package io.permits.file;

import io.permits.Permit;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Run in a separate JVM by the tests: {@code TryMain DIR NAME LIMIT} tries once for a permit
 * and prints "got" or "none".
 */
public final class TryMain {

  private TryMain() {}

  public static void main(String[] args) {
    try (FileSemaphore semaphore =
        FileSemaphore.open(Path.of(args[0]), args[1], Integer.parseInt(args[2]))) {
      Optional<Permit> permit = semaphore.tryAcquire();
      System.out.println(permit.isPresent() ? "got" : "none");
      permit.ifPresent(Permit::close);
    }
  }
}
