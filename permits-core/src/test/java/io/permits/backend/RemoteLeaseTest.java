package io.permits.backend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.permits.LocalSemaphore;
import io.permits.Permit;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@link RemoteLease}: what its holder believes, and its one release. */
@Timeout(30)
class RemoteLeaseTest {

  private static final long HOUR = TimeUnit.HOURS.toNanos(1);

  private final LocalSemaphore gate = LocalSemaphore.builder().name("gate").limit(3).build();
  private final List<RemoteLease> released = new ArrayList<>();

  private RemoteLease lease(long deadlineNanos) throws InterruptedException {
    Permit gatePermit = gate.acquire(2);
    return new RemoteLease("exports", "client:1", 42, gatePermit, deadlineNanos, released::add);
  }

  @Test
  void aLeaseBeforeItsDeadlineIsHeldWithItsTokenPermitsAndTimeLeft() throws Exception {
    RemoteLease lease = lease(System.nanoTime() + HOUR);

    assertThat(lease.isHeld()).isTrue();
    assertThat(lease.id()).isEqualTo("client:1");
    assertThat(lease.token()).isEqualTo(42);
    assertThat(lease.permits()).isEqualTo(2);
    assertThat(lease.remaining()).isBetween(Duration.ofMinutes(59), Duration.ofHours(1));
    assertThat(lease.lost()).isNotDone();
    assertThat(lease.toString())
        .startsWith("Lease[2 of exports, token 42, PT")
        .endsWith(" left]");
  }

  @Test
  void aLeasePastItsDeadlineIsLostAndNotHeld() throws Exception {
    RemoteLease lease = lease(System.nanoTime());

    assertThat(lease.isHeld()).isFalse();
    assertThat(lease.lost()).isDone();
    assertThat(lease.remaining()).isEqualTo(Duration.ZERO);
    assertThat(lease.toString()).isEqualTo("Lease[2 of exports, token 42, not held]");
  }

  @Test
  void aLeaseMarkedLostIsNotHeldThoughItsDeadlineIsAhead() throws Exception {
    RemoteLease lease = lease(System.nanoTime() + HOUR);

    lease.markLost();

    assertThat(lease.isHeld()).isFalse();
    assertThat(lease.remaining()).isEqualTo(Duration.ZERO);
  }

  @Test
  void aRenewalOnlyEverMovesTheDeadlineLater() throws Exception {
    long deadline = System.nanoTime() + HOUR;
    RemoteLease lease = lease(deadline);

    lease.renewed(deadline - 1);
    assertThat(lease.deadlineNanos()).isEqualTo(deadline);
    lease.renewed(deadline);
    assertThat(lease.deadlineNanos()).isEqualTo(deadline);
    lease.renewed(deadline + 1);
    assertThat(lease.deadlineNanos()).isEqualTo(deadline + 1);
  }

  @Test
  void closingReleasesOnceAndGivesTheGatePermitsBack() throws Exception {
    RemoteLease lease = lease(System.nanoTime() + HOUR);
    assertThat(gate.available()).isEqualTo(1);

    lease.close();
    lease.close();

    assertThat(released).containsExactly(lease);
    assertThat(gate.available()).isEqualTo(3);
    assertThat(lease.isHeld()).isFalse();
    assertThat(lease.lost()).as("closed, not lost").isNotDone();
  }

  @Test
  void theGatePermitsComeBackEvenIfTheReleaseThrows() throws Exception {
    RemoteLease lease =
        new RemoteLease(
            "exports",
            "client:2",
            43,
            gate.acquire(),
            System.nanoTime() + HOUR,
            closed -> {
              throw new IllegalStateException("store unreachable");
            });

    assertThatThrownBy(lease::close).isInstanceOf(IllegalStateException.class);

    assertThat(gate.available()).isEqualTo(3);
  }
}
