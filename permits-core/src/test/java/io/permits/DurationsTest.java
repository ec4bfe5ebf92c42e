package io.permits;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class DurationsTest {

  @Test
  void threeSignificantDigitsInTheLargestUnitBelowTheValue() {
    assertThat(Durations.format(0)).isEqualTo("0 ns");
    assertThat(Durations.format(999)).isEqualTo("999 ns");
    assertThat(Durations.format(1_000)).isEqualTo("1.00 µs");
    assertThat(Durations.format(12_345)).isEqualTo("12.3 µs");
    assertThat(Durations.format(999_999)).isEqualTo("1000 µs"); // rounded, never "1.00E+3"
    assertThat(Durations.format(1_000_000)).isEqualTo("1.00 ms");
    assertThat(Durations.format(50_400_000)).isEqualTo("50.4 ms");
    assertThat(Durations.format(999_999_999)).isEqualTo("1000 ms");
    assertThat(Durations.format(1_000_000_000)).isEqualTo("1.00 s");
    assertThat(Durations.format(2_004_000_000L)).isEqualTo("2.00 s");
    assertThat(Durations.format(3_600_000_000_000L)).isEqualTo("3600 s");
  }

  @Test
  void summariesKeepTheLargestAndAddTheRest() {
    Statistics.Summary summary = new Statistics.Summary();
    summary.record(5);
    summary.record(3);
    summary.record(5);
    assertThat(summary.snapshot()).isEqualTo(new TimeSummary(3, 13, 5));
    summary.record(8);
    assertThat(summary.snapshot()).isEqualTo(new TimeSummary(4, 21, 8));
  }
}
