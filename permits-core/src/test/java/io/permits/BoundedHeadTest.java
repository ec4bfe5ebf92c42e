package io.permits;

import static io.permits.Waits.awaitTrue;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import io.permits.LocalSyncRaceWindowTest.Outcome;
import java.lang.reflect.Field;
import java.time.Duration;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A blocked {@link Fairness#BOUNDED} head that wakes without enough permits checks by itself
 * whether it is overdue, and starts the handoff with no release to do it; it then parks until
 * the handoff serves it. Every other test starts handoffs from a release ({@code signalHead},
 * which checks the same bound), so the head's own check is played here alone: the head is woken
 * by the test ({@link LockSupport#unpark}: a wake-up with nothing released, which a park may
 * always have), and nothing is released until the handoff is seen.
 *
 * <p>White-box: the head's enqueue time is moved by reflection, and the bound is chosen from
 * the clock's reading at the start, so that the head is overdue only by the right arithmetic
 * ({@code now - enqueuedAt}, with {@code now} read from the clock) for the whole test.
 */
@Timeout(30)
class BoundedHeadTest {

  private static final long MARGIN = Duration.ofMinutes(10).toNanos();

  @Test
  void aWokenOverdueHeadShortOfPermitsStartsTheHandoffItselfAndParksUntilServed()
      throws Exception {
    long start = System.nanoTime();
    assumeThat(start).as("a monotonic clock that reads above 0").isPositive();
    // bound = start + MARGIN, enqueuedAt = -MARGIN: for any reading `now` within MARGIN of the
    // start, now - enqueuedAt >= bound (overdue), while 0 - enqueuedAt and now + enqueuedAt
    // are both below the bound.
    LocalSemaphore semaphore =
        LocalSemaphore.builder()
            .limit(2)
            .fairness(Fairness.BOUNDED)
            .handoffAfter(Duration.ofNanos(start + MARGIN))
            .build();
    Object sync = field(LocalSemaphore.class, "sync").get(semaphore);
    Permit held = semaphore.acquire(); // one of two free: too few for the head
    Outcome<Permit> head = Outcome.start(() -> semaphore.acquire(2));
    awaitTrue(() -> semaphore.waiting() == 1);
    assertThat(semaphore.toString()).doesNotContain("handoff");

    Object node = field(LocalSync.class, "head").get(sync);
    field(LocalSync.Node.class, "enqueuedAt").setLong(node, -MARGIN);
    LockSupport.unpark(head.thread); // woken with nothing released: it looks for itself

    awaitTrue(() -> semaphore.toString().contains("handoff"));
    assertThat(semaphore.tryAcquire())
        .as("the free permit is set aside for the head: a newcomer does not take it")
        .isEmpty();
    assertThat(head.thread.isAlive()).isTrue();
    // Being served in order, with too few permits, the head parks (on the engine) rather than
    // spinning until its grant.
    awaitTrue(() -> LockSupport.getBlocker(head.thread) == sync);

    held.close(); // completes the head's two
    head.thread.join();
    assertThat(head.failure).isNull();
    assertThat(head.value.permits()).isEqualTo(2);
    assertThat(semaphore.toString()).doesNotContain("handoff");
    head.value.close();
    assertThat(semaphore.available()).isEqualTo(2);
    assertThat(semaphore.waiting()).isZero();
  }

  private static Field field(Class<?> type, String name) throws NoSuchFieldException {
    Field field = type.getDeclaredField(name);
    field.setAccessible(true);
    return field;
  }
}
