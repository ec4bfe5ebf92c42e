package io.permits.bench;

import io.permits.bench.Measure.Unit;
import io.permits.bench.Results.DriverRun;
import io.permits.bench.Results.PairShape;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Renders {@link Results} as Markdown: one table per section, each figure with its spread and its
 * ratio to the JDK's non-fair and fair semaphores from the same run, then the performance goals marked
 * met or not met.
 */
final class Report {

  /** Bytes of one {@code LocalPermit}: 12-byte header, a reference and two ints, 8-aligned. */
  static final double PERMIT_BYTES = 24;

  private final Results results;
  private final BenchMain.Profile profile;
  private final Set<SemaphoreType> types;
  private final String loadBefore;
  private final String loadAfter;
  private final String took;
  private final StringBuilder out = new StringBuilder();

  Report(
      Results results,
      BenchMain.Profile profile,
      Set<SemaphoreType> types,
      String loadBefore,
      String loadAfter,
      String took) {
    this.results = results;
    this.profile = profile;
    this.types = types;
    this.loadBefore = loadBefore;
    this.loadAfter = loadAfter;
    this.took = took;
  }

  String render() {
    line("## permits benchmarks: " + profile.name().toLowerCase(Locale.ROOT) + " run");
    line("");
    line("- When: " + Instant.now().truncatedTo(ChronoUnit.SECONDS) + ", took " + took);
    line(
        "- Machine: "
            + Machine.processors()
            + " processors, "
            + Machine.cpuModel()
            + "; "
            + Machine.jdk());
    line("- Load average (1, 5, 15 min): " + loadBefore + " at start; " + loadAfter + " at end");
    line("- Settings: " + profile.describe());
    line("");
    line(
        "Ratios compare with the JDK's semaphores measured in the same run (non-fair / fair):"
            + " for a time or a wait, below 1× is better; for a throughput, above 1× is better.");
    pairs();
    virtualThreads();
    fairness();
    wholeSet();
    async();
    goals();
    return out.toString();
  }

  // ---------------------------------------------------------------- sections

  private void pairs() {
    if (results.pairs.isEmpty()) {
      return;
    }
    line("");
    line(
        "### Acquire + release pair (JMH, ns per pair per thread, ± 99.9% error; lower is better)");
    line("");
    StringBuilder header = new StringBuilder("| implementation |");
    StringBuilder rule = new StringBuilder("|---|");
    for (PairShape shape : results.pairs.keySet()) {
      header.append(' ').append(shape.label).append(" | × JDK non-fair / fair |");
      rule.append("---:|---:|");
      if (shape == PairShape.UNCONTENDED) {
        header.append(" bytes/pair (`-prof gc`) |");
        rule.append("---:|");
      }
    }
    line(header.toString());
    line(rule.toString());
    for (SemaphoreType type : types) {
      StringBuilder row = new StringBuilder("| " + type.label() + " |");
      for (Map.Entry<PairShape, Map<SemaphoreType, Measure>> entry : results.pairs.entrySet()) {
        Measure m = entry.getValue().get(type);
        row.append(' ').append(m == null ? "–" : m.format(Unit.NANOS)).append(" | ");
        row.append(ratios(m, entry.getValue())).append(" |");
        if (entry.getKey() == PairShape.UNCONTENDED) {
          Double bytes = results.bytesPerPair.get(type);
          row.append(' ').append(bytes == null ? "–" : bytes(bytes)).append(" |");
        }
      }
      line(row.toString());
    }
  }

  private void virtualThreads() {
    if (results.virtualThreadMillis.isEmpty()) {
      return;
    }
    line("");
    line(
        "### "
            + String.format(Locale.ROOT, "%,d", results.virtualThreadPairsPerRun)
            + " pairs: 10,000 virtual threads × 100 rounds on 100 permits, Thread.yield() while"
            + " holding (JMH; higher is better)");
    line("");
    line(
        "| implementation | pairs/s (from JMH's min–max) | ms per run ± 99.9% error | × JDK"
            + " non-fair / fair |");
    line("|---|---:|---:|---:|");
    Map<SemaphoreType, Measure> rates = new EnumMap<>(SemaphoreType.class);
    results.virtualThreadMillis.forEach(
        (type, millis) -> rates.put(type, millis.inverted(results.virtualThreadPairsPerRun * 1e3)));
    for (SemaphoreType type : types) {
      Measure millis = results.virtualThreadMillis.get(type);
      Measure rate = rates.get(type);
      line(
          "| "
              + type.label()
              + " | "
              + (rate == null ? "–" : rangeOnly(rate).format(Unit.RATE))
              + " | "
              + (millis == null
                  ? "–"
                  : Measure.significant(millis.mean())
                      + " ± "
                      + Measure.significant(millis.error()))
              + " | "
              + ratios(rate, rates)
              + " |");
    }
  }

  private void fairness() {
    if (results.oversubscribed.isEmpty()) {
      return;
    }
    line("");
    line(
        "### Fairness: 8 platform threads on 2 permits, critical section Blackhole.consumeCPU(200)"
            + " (driver; mean and min–max over iterations)");
    line("");
    line(
        "| implementation | pairs/s | × JDK non-fair / fair | worst wait | × JDK non-fair / fair |"
            + " p99 wait |");
    line("|---|---:|---:|---:|---:|---:|");
    Map<SemaphoreType, Measure> rates = driverRates(results.oversubscribed, "pairs");
    Map<SemaphoreType, Measure> worst =
        driverWorst(results.oversubscribed, "worstWait", "cutShort");
    Map<SemaphoreType, Measure> p99 = driverWorst(results.oversubscribed, "p99Wait", null);
    for (SemaphoreType type : types) {
      DriverRun run = results.oversubscribed.get(type);
      if (run == null || !run.ok()) {
        line("| " + type.label() + " | " + notRun(run) + " | | | | |");
        continue;
      }
      line(
          "| "
              + type.label()
              + " | "
              + rates.get(type).format(Unit.RATE)
              + " | "
              + ratios(rates.get(type), rates)
              + " | "
              + worst.get(type).format(Unit.DURATION)
              + " | "
              + ratios(worst.get(type), worst)
              + " | "
              + Unit.DURATION.format(p99.get(type).mean())
              + " |");
    }
  }

  private void wholeSet() {
    if (results.wholeSet.isEmpty()) {
      return;
    }
    line("");
    line(
        "### Whole set: limit 4, 7 threads take 1 permit, 1 thread takes all 4, consumeCPU(200)"
            + " (driver)");
    line("");
    line(
        "| implementation | 1-permit pairs/s | whole-set acquisitions/s | worst whole-set wait | ×"
            + " JDK non-fair / fair |");
    line("|---|---:|---:|---:|---:|");
    Map<SemaphoreType, Measure> rates = driverRates(results.wholeSet, "pairs");
    Map<SemaphoreType, Measure> sets = driverRates(results.wholeSet, "wholeSets");
    Map<SemaphoreType, Measure> worst =
        driverWorst(results.wholeSet, "wholeSetWorst", "wholeSetCutShort");
    for (SemaphoreType type : types) {
      DriverRun run = results.wholeSet.get(type);
      if (run == null || !run.ok()) {
        line("| " + type.label() + " | " + notRun(run) + " | | | |");
        continue;
      }
      line(
          "| "
              + type.label()
              + " | "
              + rates.get(type).format(Unit.RATE)
              + " | "
              + sets.get(type).format(Unit.RATE)
              + " | "
              + worst.get(type).format(Unit.DURATION)
              + " | "
              + ratios(worst.get(type), worst)
              + " |");
    }
  }

  private void async() {
    if (results.async.isEmpty()) {
      return;
    }
    line("");
    line(
        "### acquireAsync when oversubscribed: 32 chains on 4 permits, consumeCPU(50) per grant"
            + " (driver)");
    line("");
    line("| implementation | pairs/s |");
    line("|---|---:|");
    Map<SemaphoreType, Measure> rates = driverRates(results.async, "pairs");
    for (SemaphoreType type : types) {
      DriverRun run = results.async.get(type);
      line(
          "| "
              + type.label()
              + " | "
              + (run == null || !run.ok() ? notRun(run) : rates.get(type).format(Unit.RATE))
              + " |");
    }
  }

  // ---------------------------------------------------------------- goals

  private void goals() {
    line("");
    line("### The performance goals (" + SemaphoreType.DEFAULT.label() + ")");
    line("");
    line("| goal | figure | verdict |");
    line("|---|---|---|");
    Map<SemaphoreType, Measure> uncontended = results.pairs.get(PairShape.UNCONTENDED);
    Map<SemaphoreType, Measure> eight = results.pairs.get(PairShape.OVERSUBSCRIBED);
    Map<SemaphoreType, Measure> overRates = driverRates(results.oversubscribed, "pairs");
    Map<SemaphoreType, Measure> overWorst =
        driverWorst(results.oversubscribed, "worstWait", "cutShort");
    Map<SemaphoreType, Measure> setWorst =
        driverWorst(results.wholeSet, "wholeSetWorst", "wholeSetCutShort");

    double r = ratio(uncontended, SemaphoreType.DEFAULT, SemaphoreType.JDK_NONFAIR);
    goal("uncontended pair ≤ 1.1× JDK non-fair (ns)", ratioText(r), r <= 1.1);
    Double bytes = results.bytesPerPair.get(SemaphoreType.DEFAULT);
    double b = bytes == null ? Double.NaN : bytes;
    goal(
        "uncontended pair allocates only the Permit (" + (int) PERMIT_BYTES + " B)",
        Double.isNaN(b) ? "not measured" : bytes(b) + " B/pair",
        b < PERMIT_BYTES + 1);
    r = ratio(overRates, SemaphoreType.DEFAULT, SemaphoreType.JDK_NONFAIR);
    goal(
        "8 threads / 2 permits throughput ≥ 0.5× JDK non-fair (fairness driver)",
        ratioText(r),
        r >= 0.5);
    r = 1 / ratio(eight, SemaphoreType.DEFAULT, SemaphoreType.JDK_NONFAIR);
    goal("  … the same in JMH's pair, no critical section (for reference)", ratioText(r), r >= 0.5);
    r = ratio(overWorst, SemaphoreType.DEFAULT, SemaphoreType.JDK_FAIR);
    goal("8 threads / 2 permits worst wait ≤ 3× JDK fair's", ratioText(r), r <= 3);
    r = 1 / ratio(eight, SemaphoreType.STRICT, SemaphoreType.JDK_FAIR);
    goal(
        "STRICT oversubscribed ≥ 2× JDK fair's throughput (JMH, 8 threads / 2 permits)",
        ratioText(r),
        r >= 2);
    r = ratio(overRates, SemaphoreType.STRICT, SemaphoreType.JDK_FAIR);
    goal("  … the same in the fairness driver", ratioText(r), r >= 2);
    r = 1 / ratio(results.virtualThreadMillis, SemaphoreType.DEFAULT, SemaphoreType.JDK_NONFAIR);
    goal("10k virtual threads ≥ 1.0× JDK non-fair (pairs/s)", ratioText(r), r >= 1.0);
    r = ratio(setWorst, SemaphoreType.DEFAULT, SemaphoreType.JDK_FAIR);
    goal("whole-set worst wait ≤ JDK fair's", ratioText(r), r <= 1.0);
  }

  private void goal(String goal, String figure, boolean met) {
    String verdict = figure.equals("not measured") ? "not measured" : met ? "**met**" : "not met";
    line("| " + goal + " | " + figure + " | " + verdict + " |");
  }

  /** Bytes per pair: JMH's normalized allocation rate, which is ~0.0001 for "nothing". */
  private static String bytes(double bytes) {
    return String.format(Locale.ROOT, "%.1f", bytes);
  }

  private static String ratioText(double ratio) {
    return Double.isNaN(ratio) ? "not measured" : Measure.ratio(ratio);
  }

  /** {@code of}'s mean over {@code to}'s, or NaN if either is missing. */
  private static double ratio(
      Map<SemaphoreType, Measure> figures, SemaphoreType of, SemaphoreType to) {
    if (figures == null || figures.get(of) == null || figures.get(to) == null) {
      return Double.NaN;
    }
    return figures.get(of).mean() / figures.get(to).mean();
  }

  // ---------------------------------------------------------------- helpers

  /** {@code "1.05× / 0.98×"}: the figure over the JDK non-fair and the JDK fair figures. */
  private static String ratios(Measure m, Map<SemaphoreType, Measure> all) {
    if (m == null) {
      return "–";
    }
    return ratioText(over(m, all.get(SemaphoreType.JDK_NONFAIR)))
        + " / "
        + ratioText(over(m, all.get(SemaphoreType.JDK_FAIR)));
  }

  private static double over(Measure m, Measure base) {
    return base == null ? Double.NaN : m.mean() / base.mean();
  }

  private static Map<SemaphoreType, Measure> driverRates(
      Map<SemaphoreType, DriverRun> runs, String key) {
    Map<SemaphoreType, Measure> rates = new EnumMap<>(SemaphoreType.class);
    runs.forEach(
        (type, run) -> {
          if (run.ok()) {
            rates.put(type, Measure.ofIterations(run.rates(key), false));
          }
        });
    return rates;
  }

  private static Map<SemaphoreType, Measure> driverWorst(
      Map<SemaphoreType, DriverRun> runs, String key, String cutShortFlag) {
    Map<SemaphoreType, Measure> worst = new EnumMap<>(SemaphoreType.class);
    runs.forEach(
        (type, run) -> {
          if (run.ok()) {
            boolean cut = cutShortFlag != null && run.worstCutShort(key, cutShortFlag);
            worst.put(type, Measure.worstOf(run.values(key), cut));
          }
        });
    return worst;
  }

  /** A rate derived from JMH's score shown with its range, without a transformed error. */
  private static Measure rangeOnly(Measure m) {
    return new Measure(m.mean(), Double.NaN, m.min(), m.max(), m.lowerBound());
  }

  private static String notRun(DriverRun run) {
    if (run == null) {
      return "–";
    }
    return run.failure() != null ? "failed (" + run.failure() + ")" : "n/a";
  }

  private void line(String text) {
    out.append(text).append('\n');
  }
}
