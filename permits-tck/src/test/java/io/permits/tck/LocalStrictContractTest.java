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

  @Override
  public boolean strictOrder() {
    return true;
  }
}
