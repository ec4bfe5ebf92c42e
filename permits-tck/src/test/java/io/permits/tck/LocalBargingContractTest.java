package io.permits.tck;

import static org.assertj.core.api.Assertions.assertThat;

import io.permits.Fairness;
import io.permits.LocalSemaphore;
import io.permits.Permit;
import io.permits.Semaphore;
import java.util.Optional;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The contract run against {@link LocalSemaphore} with {@link Fairness#BARGING}, plus what only
 * barging promises: a newcomer may take free permits while others wait.
 */
@DisplayName("LocalSemaphore, BARGING")
@Timeout(30)
class LocalBargingContractTest extends SemaphoreContract {

  @Override
  protected Semaphore newSemaphore(String name, int limit) {
    return LocalSemaphore.builder().name(name).limit(limit).fairness(Fairness.BARGING).build();
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
  void aNewcomerMayTakeAFreePermitWhileALargerRequestWaits() throws Exception {
    Semaphore semaphore = semaphore(2);
    Permit holder = semaphore.acquire();
    Pending large = Pending.acquire(semaphore, 2);
    Await.waiting(semaphore, 1);

    Optional<Permit> barged = semaphore.tryAcquire();

    assertThat(barged).as("tryAcquire() with 1 free while acquire(2) waits").isPresent();
    barged.orElseThrow().close();
    assertThat(large.isDone()).isFalse();
    holder.close();
    assertThat(large.granted().permits()).isEqualTo(2);
  }
}
