package io.permits.tck;

import io.permits.Fairness;
import io.permits.KeyedSemaphore;
import io.permits.Semaphore;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Timeout;

/** The contract run against one key of an in-process {@link KeyedSemaphore}. */
class KeyedContractTest {

  /** A per-key limit and no total. */
  @Nested
  @DisplayName("KeyedSemaphore, one key, STRICT")
  @Timeout(30)
  class PerKeyOnly extends SemaphoreContract {
    @Override
    protected Semaphore newSemaphore(String name, int limit) {
      return OneKey.of(
          KeyedSemaphore.builder()
              .name(name)
              .perKeyLimit(limit)
              .fairness(Fairness.STRICT)
              .build());
    }

    @Override
    public boolean strictOrder() {
      return true;
    }
  }

  /** A per-key limit and a total, equal: every request goes through both levels. */
  @Nested
  @DisplayName("KeyedSemaphore, one key and the total, STRICT")
  @Timeout(30)
  class PerKeyAndTotal extends SemaphoreContract {
    @Override
    protected Semaphore newSemaphore(String name, int limit) {
      return OneKey.of(
          KeyedSemaphore.builder()
              .name(name)
              .perKeyLimit(limit)
              .limit(limit)
              .fairness(Fairness.STRICT)
              .build());
    }

    @Override
    public boolean strictOrder() {
      return true;
    }
  }

  /** BOUNDED, the default, with both levels. */
  @Nested
  @DisplayName("KeyedSemaphore, one key and the total, BOUNDED")
  @Timeout(30)
  class Bounded extends SemaphoreContract {
    @Override
    protected Semaphore newSemaphore(String name, int limit) {
      return OneKey.of(KeyedSemaphore.builder().name(name).perKeyLimit(limit).limit(limit).build());
    }
  }
}
