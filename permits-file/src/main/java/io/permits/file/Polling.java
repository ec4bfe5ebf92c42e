package io.permits.file;

import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * How often a request waiting for another process polls the file: after 1 ms, then twice as
 * long each time up to {@link #MAX_DELAY_NANOS}, each delay with ±25% jitter so that waiters
 * started together do not poll in step.
 */
final class Polling {

  static final long FIRST_DELAY_NANOS = TimeUnit.MILLISECONDS.toNanos(1);
  static final long MAX_DELAY_NANOS = TimeUnit.MILLISECONDS.toNanos(25);

  private long delay = FIRST_DELAY_NANOS;

  /** The next delay. */
  long next() {
    long base = delay;
    delay = Math.min(delay * 2, MAX_DELAY_NANOS);
    long jitter = base / 4;
    return base - jitter + ThreadLocalRandom.current().nextLong(2 * jitter + 1);
  }
}
