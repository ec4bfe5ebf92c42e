package io.permits.tck;

import static org.assertj.core.api.Assertions.assertThat;

import io.permits.Fairness;
import io.permits.LocalSemaphore;
import io.permits.Permit;
import io.permits.Semaphore;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The contract run against {@link LocalSemaphore} with {@link Fairness#BOUNDED}, plus what only
 * bounded barging promises: newcomers barge until the oldest waiter has waited past the bound,
 * then the queue is served in order.
 */
@DisplayName("LocalSemaphore, BOUNDED")
@Timeout(30)
class LocalBoundedContractTest extends SemaphoreContract {

  @Override
  protected Semaphore newSemaphore(String name, int limit) {
    return LocalSemaphore.builder().name(name).limit(limit).fairness(Fairness.BOUNDED).build();
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

  @Test
  void aNewcomerMayTakeAFreePermitBeforeTheBoundIsReached() throws Exception {
    Semaphore semaphore =
        conservation.track(
            LocalSemaphore.builder()
                .limit(2)
                .fairness(Fairness.BOUNDED)
                .handoffAfter(Duration.ofHours(1))
                .build());
    Permit holder = semaphore.acquire();
    Pending large = Pending.acquire(semaphore, 2);
    Await.waiting(semaphore, 1);

    Optional<Permit> barged = semaphore.tryAcquire();

    assertThat(barged).as("tryAcquire() with 1 free while acquire(2) waits").isPresent();
    barged.orElseThrow().close();
    holder.close();
    assertThat(large.granted().permits()).isEqualTo(2);
  }

  @Test
  void bargingStopsOnceTheOldestWaiterHasWaitedPastTheBound() throws Exception {
    Semaphore semaphore =
        conservation.track(
            LocalSemaphore.builder()
                .limit(2)
                .fairness(Fairness.BOUNDED)
                .handoffAfter(Duration.ofMillis(1))
                .build());
    Permit holder = semaphore.acquire();
    Pending large = Pending.acquire(semaphore, 2);
    Await.waiting(semaphore, 1);

    // newcomers take and return the free permit until the semaphore hands it to the waiter
    Await.until(
        () -> {
          Optional<Permit> barged = semaphore.tryAcquire();
          barged.ifPresent(Permit::close);
          return barged.isEmpty();
        },
        () -> "newcomers still barge: " + Await.describe(semaphore));

    assertThat(semaphore.tryAcquire()).as("a newcomer after the handoff").isEmpty();
    assertThat(large.isDone()).isFalse();
    holder.close();
    assertThat(large.granted().permits()).isEqualTo(2);
  }
}
