package io.permits.tck;

import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

/** Unique semaphore names: a per-run token keeps names of shared backends apart across runs. */
final class Ids {
  private static final String RUN =
      Integer.toString(ThreadLocalRandom.current().nextInt(1 << 30), 36);
  private static final AtomicLong NEXT = new AtomicLong();

  private Ids() {}

  static String next(String prefix) {
    return prefix + "-" + RUN + "-" + NEXT.incrementAndGet();
  }
}
