package io.permits.file;

import io.permits.Permit;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * Run in a separate JVM by the tests: {@code UseMain DIR NAME LIMIT PERMITS REMOVE} opens the
 * file semaphore (built with {@code removeWhenUnused(REMOVE)}), takes PERMITS of it (0: none) and
 * prints "open"; the line "close" on its stdin closes the permit and the semaphore and prints
 * "closed"; it exits when its stdin closes (or it is killed).
 */
public final class UseMain {

  private UseMain() {}

  public static void main(String[] args) throws Exception {
    FileSemaphore semaphore =
        FileSemaphore.builder(args[1])
            .directory(Path.of(args[0]))
            .limit(Integer.parseInt(args[2]))
            .removeWhenUnused(Boolean.parseBoolean(args[4]))
            .build();
    int permits = Integer.parseInt(args[3]);
    Permit permit = permits > 0 ? semaphore.acquire(permits) : null;
    System.out.println("open");
    System.out.flush();
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    for (String line = in.readLine(); line != null; line = in.readLine()) {
      if (line.equals("close")) {
        if (permit != null) {
          permit.close();
        }
        semaphore.close();
        System.out.println("closed");
        System.out.flush();
      }
    }
  }
}
