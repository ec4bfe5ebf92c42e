package io.permits.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine.TypeConversionException;

@Timeout(value = 10, unit = TimeUnit.SECONDS)
class DurationConverterTest {

  private final DurationConverter converter = new DurationConverter();

  @ParameterizedTest(name = "{0} = {1}")
  @CsvSource({
    "250ns,   PT0.00000025S",
    "250us,   PT0.00025S",
    "250µs,   PT0.00025S",
    "100ms,   PT0.1S",
    "2s,      PT2S",
    "1m,      PT1M",
    "1h,      PT1H",
    "1d,      PT24H",
    "0s,      PT0S",
    "1.5s,    PT1.5S",
    ".5s,     PT0.5S",
    "1m30s,   PT1M30S",
    "1h15m,   PT1H15M",
    "1s500ms, PT1.5S",
    "PT2S,    PT2S",
    "pt1m30s, PT1M30S",
    "P1D,     PT24H",
  })
  void reads_each_unit_and_iso_8601(String text, Duration expected) {
    assertThat(converter.convert(text)).isEqualTo(expected);
  }

  @Test
  void ignores_blanks_around_the_value() {
    assertThat(DurationConverter.parse("  2s ")).isEqualTo(Duration.ofSeconds(2));
  }

  @ParameterizedTest
  @ValueSource(strings = {"2 parsecs", "2", "s", "", " ", "2S", "2 s", "2sec", "+2s", "1.2.3s", "PT", "P2X", "2s-"})
  void refuses_what_is_not_a_duration_and_quotes_it(String text) {
    assertThatThrownBy(() -> converter.convert(text))
        .isInstanceOf(TypeConversionException.class)
        .hasMessageContaining("'" + text + "'")
        .hasMessageContaining("is not a duration");
  }

  @ParameterizedTest
  @ValueSource(strings = {"-1s", "-100ms", "-PT2S", "PT-2S", "-0s"})
  void refuses_a_negative_duration_and_quotes_it(String text) {
    assertThatThrownBy(() -> converter.convert(text))
        .isInstanceOf(TypeConversionException.class)
        .hasMessageContaining("'" + text + "'")
        .hasMessageContaining("negative");
  }

  @Test
  void refuses_a_duration_too_long_for_java_time() {
    assertThatThrownBy(() -> DurationConverter.parse("99999999999999999999999d"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("too long");
  }

  @ParameterizedTest
  @CsvSource({
    "PT0S,            0s",
    "PT0.2S,          200ms",
    "PT2S,            2s",
    "PT1M30S,         1m30s",
    "PT25H0.000001S,  1d1h1us",
    "PT0.000000007S,  7ns",
  })
  void formats_as_it_reads(Duration duration, String text) {
    assertThat(DurationConverter.format(duration)).isEqualTo(text);
    assertThat(DurationConverter.parse(text)).isEqualTo(duration);
  }
}
