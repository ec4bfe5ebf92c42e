package io.permits.backend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.permits.Fairness;
import io.permits.Permit;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link Gate}: a request larger than the gate's limit but within the store's largest limit
 * reads the store first (the limit may have grown there), and only then.
 */
@Timeout(30)
class GateTest {

  private final AtomicInteger reads = new AtomicInteger();
  private Gate gate;

  /** Limit 2 (version 1), largest limit 5; the store, when read, reports limit 4 (version 2). */
  private Gate newGate() {
    gate =
        new Gate(
            "gate",
            2,
            1,
            Fairness.STRICT,
            5,
            () -> {
              reads.incrementAndGet();
              gate.report(4, 2);
            });
    return gate;
  }

  @Test
  void aRequestAboveTheLimitReadsTheStoreFirstWhateverTheWayOfAcquiring() throws Exception {
    Optional<Permit> tried = newGate().tryAcquire(3);
    assertThat(tried).isPresent();
    assertThat(reads).hasValue(1);
    assertThat(gate.local().limit()).isEqualTo(4);
    tried.get().close();

    Permit blocking = newGate().acquire(3);
    assertThat(blocking.permits()).isEqualTo(3);
    blocking.close();

    Optional<Permit> timed = newGate().tryAcquire(3, Duration.ofSeconds(10));
    assertThat(timed).isPresent();
    timed.get().close();

    Permit async = newGate().acquireAsync(3).join();
    assertThat(async.permits()).isEqualTo(3);
    async.close();
    assertThat(reads).hasValue(4);
  }

  @Test
  void aRequestUpToTheLargestLimitReadsTheStoreButNotOneBeyondItOrWithinTheLimit()
      throws Exception {
    newGate();
    gate.tryAcquire(2).orElseThrow().close(); // within the limit: no read
    assertThat(reads).hasValue(0);

    assertThat(catchThrowable(() -> gate.tryAcquire(6)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(reads).as("beyond the largest limit: no read").hasValue(0);

    // the largest limit itself: read; the store's limit (4) still refuses it
    assertThat(catchThrowable(() -> gate.tryAcquire(5)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(reads).hasValue(1);
  }

  @Test
  void aClosedGateDoesNotReadTheStore() {
    newGate().local().close();
    catchThrowable(() -> gate.tryAcquire(3));
    assertThat(reads).hasValue(0);
  }

  @Test
  void reportsReachTheLocalSemaphore() {
    newGate();
    assertThat(gate.isNewer(2)).isTrue();
    assertThat(gate.isNewer(1)).isFalse();
    gate.report(3, 2);
    assertThat(gate.local().limit()).isEqualTo(3);
    gate.reportAndSettle(5, 3);
    assertThat(gate.local().limit()).isEqualTo(5);
    assertThat(gate.isNewer(3)).isFalse();
  }
}
