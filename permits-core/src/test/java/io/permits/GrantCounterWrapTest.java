package io.permits;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Field;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The fast path counts its grants in the top 28 bits of {@link LocalSync}'s state word and counts
 * each wrap of that counter separately. Reaching a wrap takes 2^28 acquires, so the counter is
 * set just below it (white-box, by reflection on the private {@code state} field) and one more
 * grant makes it wrap.
 */
@Timeout(30)
class GrantCounterWrapTest {

  private static final int GRANTS_SHIFT = 36;
  private static final long GRANTS_WRAP = 1L << 28;

  @Test
  void aGrantThatWrapsTheStatesCounterIsCountedOnce() throws Exception {
    LocalSemaphore semaphore = LocalSemaphore.builder().limit(2).build();
    Object sync = field(LocalSemaphore.class, "sync").get(semaphore);
    Field state = field(LocalSync.class, "state");
    long lowBits = state.getLong(sync) & ((1L << GRANTS_SHIFT) - 1);
    state.setLong(sync, ((GRANTS_WRAP - 1) << GRANTS_SHIFT) | lowBits);
    assertThat(semaphore.stats().grants()).isEqualTo(GRANTS_WRAP - 1);

    Optional<Permit> wrapping = semaphore.tryAcquire();
    assertThat(wrapping).isPresent();
    assertThat(state.getLong(sync) >>> GRANTS_SHIFT).as("the counter wrapped").isZero();
    assertThat(semaphore.stats().grants()).isEqualTo(GRANTS_WRAP);

    Permit next = semaphore.acquire(); // the fast path again, after the wrap
    assertThat(semaphore.stats().grants()).isEqualTo(GRANTS_WRAP + 1);
    next.close();
    wrapping.orElseThrow().close();
    assertThat(semaphore.available()).isEqualTo(2);
  }

  private static Field field(Class<?> type, String name) throws NoSuchFieldException {
    Field field = type.getDeclaredField(name);
    field.setAccessible(true);
    return field;
  }
}
