package io.permits.bench;

import io.permits.KeyedSemaphore;
import io.permits.Permit;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;

/**
 * The heap a {@link KeyedSemaphore} keeps after many distinct keys, each used once: used heap after
 * a full GC before and after, and the keys still in use (none). Run by {@code bin/bench keys}.
 */
public final class KeyMemory {
  private KeyMemory() {}

  /**
   * Runs the measurement.
   *
   * @param args optionally the number of keys (default 1,000,000)
   * @throws InterruptedException never: no acquire waits
   */
  public static void main(String[] args) throws InterruptedException {
    int keys = args.length > 0 ? Integer.parseInt(args[0].replace("_", "").replace(",", "")) : 1_000_000;
    MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    KeyedSemaphore<String> keyed =
        KeyedSemaphore.builder().name("tenants").perKeyLimit(2).limit(20).build();
    long before = usedAfterGc(memory);
    for (int i = 0; i < keys; i++) {
      Permit permit = keyed.acquire("tenant-" + i);
      permit.close();
    }
    long after = usedAfterGc(memory);
    System.out.printf(
        "%,d distinct keys, each acquired and released once%n"
            + "used heap after a full GC: before %,.1f MB, after %,.1f MB, difference %+,.2f MB%n"
            + "keys in use at the end: %d; grants counted: %,d%n",
        keys,
        before / 1e6,
        after / 1e6,
        (after - before) / 1e6,
        keyed.keysInUse(),
        keyed.stats().grants());
    keyed.close();
  }

  private static long usedAfterGc(MemoryMXBean memory) {
    for (int i = 0; i < 3; i++) {
      System.gc();
    }
    return memory.getHeapMemoryUsage().getUsed();
  }
}
