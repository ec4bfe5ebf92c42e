package io.permits.tck;

import io.permits.Fairness;
import io.permits.LocalSemaphore;
import io.permits.Semaphore;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Timeout;

/** The contract run against {@link LocalSemaphore} with {@link Fairness#STRICT}. */
@DisplayName("LocalSemaphore, STRICT")
@Timeout(30)
class LocalStrictContractTest extends SemaphoreContract {

  @Override
  protected Semaphore newSemaphore(String name, int limit) {
    return LocalSemaphore.builder().name(name).limit(limit).fairness(Fairness.STRICT).build();
  }

  /**
   * Full size, unless {@code -Dpermits.tck.loadScale} asks for less: the mutation profile runs
   * the load tests at 5% (500 virtual threads on 100 permits), as they rerun for every mutant.
   */
  @Override
  public double loadScale() {
    return Double.parseDouble(System.getProperty("permits.tck.loadScale", "1"));
  }

  /** Full size: the property above is for the virtual-thread load test only. */
  @Override
  public int scaled(int full, int least) {
    return full;
  }

  @Override
  public boolean strictOrder() {
    return true;
  }
}
