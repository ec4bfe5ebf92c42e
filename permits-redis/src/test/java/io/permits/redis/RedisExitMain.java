package io.permits.redis;

import io.permits.Lease;

/**
 * A JVM that takes and gives back a permit of a semaphore built from a URI, then returns from
 * main: it must end there (the shared client's threads are daemons). Arguments: URI.
 */
public final class RedisExitMain {

  private RedisExitMain() {}

  public static void main(String[] args) throws Exception {
    try (RedisSemaphore semaphore =
            RedisSemaphore.builder(args[0]).name("exit").limit(1).build();
        Lease lease = semaphore.acquire()) {
      System.out.println("held " + lease.token());
    }
    System.out.println("returning");
  }
}
