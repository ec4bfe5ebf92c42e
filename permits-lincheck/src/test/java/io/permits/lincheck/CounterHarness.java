package io.permits.lincheck;

import io.permits.Semaphore;
import org.jetbrains.lincheck.datastructures.Operation;

/**
 * {@link SemaphoreHarness} with the monitoring reads as operations: for tests without waiting
 * requests, where {@code available()} and {@code waiting()} are exact. With a queue they are
 * estimates while a release hands permits over ({@link KnownLimitsTest}).
 */
public abstract class CounterHarness extends SemaphoreHarness {

  protected CounterHarness(Semaphore semaphore) {
    super(semaphore);
  }

  @Operation
  @Override
  public int available() {
    return super.available();
  }

  @Operation
  @Override
  public int waiting() {
    return super.waiting();
  }
}
