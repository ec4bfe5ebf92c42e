package io.permits.cli;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * Reads a duration as people write one on a command line: a number and a unit, or several in a
 * row, or ISO-8601.
 *
 * <table>
 *   <caption>Accepted forms</caption>
 *   <tr><th>written</th><th>means</th></tr>
 *   <tr><td>{@code 250ns}, {@code 250us} (or {@code µs})</td><td>nanoseconds, microseconds</td></tr>
 *   <tr><td>{@code 100ms}</td><td>milliseconds</td></tr>
 *   <tr><td>{@code 2s}, {@code 1.5s}</td><td>seconds</td></tr>
 *   <tr><td>{@code 1m}, {@code 1h}, {@code 1d}</td><td>minutes, hours, days of 24 hours</td></tr>
 *   <tr><td>{@code 1m30s}, {@code 1h15m}</td><td>the sum of the parts</td></tr>
 *   <tr><td>{@code PT2S}, {@code pt1m30s}</td><td>ISO-8601, as {@link Duration#parse}</td></tr>
 * </table>
 *
 * <p>A duration is never negative. Anything else ({@code 2}, {@code 2 parsecs}, {@code -1s},
 * an empty string) is refused with a message that quotes the value; picocli reports it as a
 * usage error (exit code 2). Use it on an option:
 *
 * <pre> {@code
 * @Option(names = "--timeout", converter = DurationConverter.class, defaultValue = "1s")
 * Duration timeout;
 * }</pre>
 */
public final class DurationConverter implements ITypeConverter<Duration> {

  /** One term: a decimal number directly followed by a unit; the longest unit name first. */
  private static final Pattern TERM =
      Pattern.compile("(\\d+(?:\\.\\d*)?|\\.\\d+)(ns|us|µs|ms|s|m|h|d)");

  private static final BigDecimal NANOS_PER_SECOND = BigDecimal.valueOf(1_000_000_000L);
  private static final BigInteger MAX_SECONDS = BigInteger.valueOf(Long.MAX_VALUE);

  private static final String FORMS =
      "write a number and a unit (ns, us, ms, s, m, h, d) such as 100ms, 2s, 1m30s, 1h,"
          + " or ISO-8601 such as PT2S";

  /** Creates the converter; picocli calls this. */
  public DurationConverter() {}

  /**
   * Converts an option's value for picocli.
   *
   * @param value the text given on the command line
   * @return the duration, zero or positive
   * @throws TypeConversionException if {@code value} is not a duration or is negative; the
   *     message quotes it
   */
  @Override
  public Duration convert(String value) {
    try {
      return parse(value);
    } catch (IllegalArgumentException e) {
      throw new TypeConversionException(e.getMessage());
    }
  }

  /**
   * Parses a duration in any of the accepted forms (see the class comment).
   *
   * @param text e.g. {@code "100ms"}, {@code "2s"}, {@code "1m30s"}, {@code "PT2S"}; leading and
   *     trailing blanks are ignored
   * @return the duration, zero or positive
   * @throws IllegalArgumentException if {@code text} is not a duration or is negative; the
   *     message quotes it
   */
  public static Duration parse(String text) {
    Objects.requireNonNull(text, "text");
    String s = text.strip();
    boolean signed = s.startsWith("-") || s.startsWith("+");
    String body = signed ? s.substring(1) : s;
    Duration duration;
    if (body.startsWith("P") || body.startsWith("p")) {
      try {
        duration = Duration.parse(s);
      } catch (DateTimeParseException | ArithmeticException e) {
        throw notADuration(text);
      }
    } else {
      if (s.startsWith("+")) {
        throw notADuration(text);
      }
      duration = sumOfTerms(text, body);
    }
    if (s.startsWith("-") || duration.isNegative()) {
      throw new IllegalArgumentException(
          "'" + text + "' is negative: a duration must be zero or more");
    }
    return duration;
  }

  /**
   * Writes a duration the way {@link #parse} reads it, largest units first: {@code 2s}, {@code
   * 200ms}, {@code 1m30s}, {@code 0s}.
   *
   * @param duration zero or positive
   * @return the text, which {@link #parse} turns back into {@code duration}
   * @throws IllegalArgumentException if {@code duration} is negative
   */
  public static String format(Duration duration) {
    Objects.requireNonNull(duration, "duration");
    if (duration.isNegative()) {
      throw new IllegalArgumentException("duration must not be negative, was " + duration);
    }
    if (duration.isZero()) {
      return "0s";
    }
    StringBuilder text = new StringBuilder();
    append(text, duration.toDays(), "d");
    append(text, duration.toHoursPart(), "h");
    append(text, duration.toMinutesPart(), "m");
    append(text, duration.toSecondsPart(), "s");
    int nanos = duration.toNanosPart();
    append(text, nanos / 1_000_000, "ms");
    append(text, nanos / 1_000 % 1_000, "us");
    append(text, nanos % 1_000, "ns");
    return text.toString();
  }

  private static void append(StringBuilder text, long amount, String unit) {
    if (amount != 0) {
      text.append(amount).append(unit);
    }
  }

  private static Duration sumOfTerms(String text, String body) {
    Matcher term = TERM.matcher(body);
    BigDecimal nanos = BigDecimal.ZERO;
    int at = 0;
    while (at < body.length()) {
      if (!term.find(at) || term.start() != at) {
        throw notADuration(text);
      }
      BigDecimal amount = new BigDecimal(term.group(1));
      nanos = nanos.add(amount.multiply(nanosPer(term.group(2))));
      at = term.end();
    }
    if (at == 0) {
      throw notADuration(text); // empty
    }
    BigInteger[] secondsAndNanos =
        nanos.setScale(0, RoundingMode.DOWN).toBigInteger()
            .divideAndRemainder(NANOS_PER_SECOND.toBigInteger());
    if (secondsAndNanos[0].compareTo(MAX_SECONDS) > 0) {
      throw new IllegalArgumentException("'" + text + "' is too long a duration");
    }
    return Duration.ofSeconds(secondsAndNanos[0].longValue(), secondsAndNanos[1].longValue());
  }

  private static BigDecimal nanosPer(String unit) {
    long nanos =
        switch (unit) {
          case "ns" -> 1L;
          case "us", "µs" -> 1_000L;
          case "ms" -> 1_000_000L;
          case "s" -> 1_000_000_000L;
          case "m" -> 60_000_000_000L;
          case "h" -> 3_600_000_000_000L;
          case "d" -> 86_400_000_000_000L;
          default -> throw new AssertionError(unit); // TERM admits no other unit
        };
    return BigDecimal.valueOf(nanos);
  }

  private static IllegalArgumentException notADuration(String text) {
    return new IllegalArgumentException("'" + text + "' is not a duration: " + FORMS);
  }
}
