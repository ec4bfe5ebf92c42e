package io.permits.redis;

import io.permits.Lease;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * Run in a separate JVM by the fault tests: {@code RedisHoldMain URI NAME LIMIT LEASE_MS}
 * acquires one permit, prints "held TOKEN", then waits; prints "lost" if its lease is lost, and
 * ends when its stdin closes (or it is killed). For each line read on stdin meanwhile it prints
 * "isHeld true" or "isHeld false": what {@link Lease#isHeld()} says then.
 */
public final class RedisHoldMain {

  private RedisHoldMain() {}

  public static void main(String[] args) throws Exception {
    try (RedisSemaphore semaphore =
            RedisSemaphore.builder(args[0])
                .name(args[1])
                .limit(Integer.parseInt(args[2]))
                .lease(Duration.ofMillis(Long.parseLong(args[3])))
                .build();
        Lease lease = semaphore.acquire()) {
      lease.lost().thenRun(() -> System.out.println("lost, held: " + lease.isHeld()));
      System.out.println("held " + lease.token());
      System.out.flush();
      BufferedReader stdin =
          new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
      while (stdin.readLine() != null) { // hold until stdin closes
        System.out.println("isHeld " + lease.isHeld());
        System.out.flush();
      }
    }
  }
}
