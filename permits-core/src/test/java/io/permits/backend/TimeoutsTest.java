package io.permits.backend;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** {@link Timeouts#saturatedNanos}: nanoseconds, clamped to [0, Long.MAX_VALUE / 2]. */
class TimeoutsTest {

  @Test
  void anOrdinaryTimeoutIsItsNanoseconds() {
    assertThat(Timeouts.saturatedNanos(Duration.ofMillis(1500))).isEqualTo(1_500_000_000L);
  }

  @Test
  void aNegativeTimeoutIsZero() {
    assertThat(Timeouts.saturatedNanos(Duration.ofSeconds(-3))).isZero();
  }

  @Test
  void aTimeoutOfCenturiesIsHalfTheLongRange() {
    assertThat(Timeouts.saturatedNanos(Duration.ofDays(365L * 200))).isEqualTo(Long.MAX_VALUE / 2);
    assertThat(Timeouts.saturatedNanos(Duration.ofSeconds(Long.MAX_VALUE)))
        .as("too long for a long of nanoseconds")
        .isEqualTo(Long.MAX_VALUE / 2);
  }
}
