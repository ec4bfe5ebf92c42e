package io.permits.micrometer;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.permits.Fairness;
import io.permits.KeyedSemaphore;
import io.permits.LocalSemaphore;
import io.permits.Permit;
import io.permits.Semaphore;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class PermitsMetricsTest {
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

  @Test
  void aScriptedScenarioGivesExactValues() throws Exception {
    PermitsMetrics metrics = new PermitsMetrics(Tags.of("app", "test"));
    LocalSemaphore db =
        LocalSemaphore.builder()
            .name("db")
            .limit(3)
            .fairness(Fairness.STRICT)
            .listener(metrics)
            .build();
    metrics.bindTo(registry);

    Permit two = db.acquire(2); // granted, no wait
    assertThat(db.tryAcquire(2)).isEmpty(); // rejected
    assertThat(db.tryAcquire(2, Duration.ofMillis(1))).isEmpty(); // timeout
    CompletableFuture<Permit> cancelled = db.acquireAsync(2);
    cancelled.cancel(false); // cancelled
    CompletableFuture<Permit> waiting = db.acquireAsync(2);

    assertThat(gauge("permits.limit")).isEqualTo(3);
    assertThat(gauge("permits.available")).as("the free one is set aside for the head").isZero();
    assertThat(gauge("permits.active")).isEqualTo(2);
    assertThat(gauge("permits.waiting")).isEqualTo(1);

    two.close(); // usage 1; the waiter is granted after waiting
    Permit late = waiting.join();
    late.close(); // usage 2

    assertThat(acquire("granted").count()).isEqualTo(2);
    assertThat(acquire("granted").max(TimeUnit.NANOSECONDS)).isPositive();
    assertThat(acquire("rejected").count()).isEqualTo(1);
    assertThat(acquire("rejected").totalTime(TimeUnit.NANOSECONDS)).isZero();
    assertThat(acquire("timeout").count()).isEqualTo(1);
    // the wait is timed from the queueing, which may come after part of the 1 ms timeout has
    // gone (a thread descheduled in between): only that it was recorded is certain
    assertThat(acquire("timeout").totalTime(TimeUnit.NANOSECONDS)).isPositive();
    assertThat(acquire("cancelled").count()).isEqualTo(1);
    Timer usage = registry.get("permits.usage").tags("name", "db", "app", "test").timer();
    assertThat(usage.count()).isEqualTo(2);
    assertThat(usage.totalTime(TimeUnit.NANOSECONDS)).isPositive();
    assertThat(registry.get("permits.leaks").tags("name", "db").counter().count()).isZero();

    assertThat(gauge("permits.available")).isEqualTo(3);
    assertThat(gauge("permits.active")).isZero();
    assertThat(gauge("permits.waiting")).isZero();
  }

  @Test
  void leaksAreCounted() throws Exception {
    PermitsMetrics metrics = new PermitsMetrics();
    LocalSemaphore leaky =
        LocalSemaphore.builder()
            .name("leaky")
            .limit(2)
            .leakDetection(Duration.ofMillis(20))
            .listener(metrics)
            .build();
    metrics.bindTo(registry);

    Permit forgotten = leaky.acquire(2);
    var leaks = registry.get("permits.leaks").tags("name", "leaky").counter();
    while (leaks.count() == 0) { // the detector reports on its own thread, once
      Thread.onSpinWait();
      Thread.yield();
    }
    assertThat(leaks.count()).as("one leak of two permits").isEqualTo(2);
    assertThat(leaky.stats().leaks()).isEqualTo(1);
    forgotten.close();
  }

  @Test
  void aSemaphoreBuiltWithoutTheListenerGetsItsGaugesThroughMonitor() throws Exception {
    Semaphore plain = Semaphore.of(4);
    new PermitsMetrics().monitor(plain).bindTo(registry);
    try (Permit permit = plain.acquire(3)) {
      assertThat(registry.get("permits.available").tag("name", plain.name()).gauge().value())
          .isEqualTo(1);
      assertThat(registry.get("permits.active").tag("name", plain.name()).gauge().value())
          .isEqualTo(3);
    }
  }

  @Test
  void aKeyedSemaphoreHasGaugesForTheWholeAndAKeyCountButNoMeterPerKey() throws Exception {
    PermitsMetrics metrics = new PermitsMetrics();
    KeyedSemaphore<String> exports =
        KeyedSemaphore.builder().name("exports").perKeyLimit(2).limit(5).listener(metrics).build();
    metrics.monitor(exports).bindTo(registry);

    Permit a1 = exports.acquire("a");
    Permit a2 = exports.acquire("a");
    Permit b1 = exports.acquire("b");
    CompletableFuture<Permit> queued = exports.acquireAsync("a");

    assertThat(keyed("permits.limit")).isEqualTo(5);
    assertThat(keyed("permits.active")).isEqualTo(3);
    assertThat(keyed("permits.available")).isEqualTo(2);
    assertThat(keyed("permits.waiting")).isEqualTo(1);
    assertThat(keyed("permits.keys")).isEqualTo(2);

    a1.close();
    queued.join().close();
    a2.close();
    b1.close();
    assertThat(keyed("permits.keys")).isZero();
    assertThat(keyed("permits.waiting")).isZero();
    assertThat(registry.get("permits.acquire").tags("name", "exports", "result", "granted")
            .timer().count())
        .as("the listener reports under the keyed semaphore's name")
        .isEqualTo(4);
    assertThat(registry.getMeters())
        .as("no meter names a key")
        .allSatisfy(m -> assertThat(m.getId().getTag("name")).isEqualTo("exports"));
  }

  @Test
  void aKeyedSemaphoreMonitoredAfterBindingGetsItsGaugesAtOnce() {
    PermitsMetrics metrics = new PermitsMetrics();
    metrics.bindTo(registry);
    KeyedSemaphore<String> perKeyOnly = KeyedSemaphore.builder().name("uploads").build();
    metrics.monitor(perKeyOnly);
    assertThat(registry.get("permits.keys").tag("name", "uploads").gauge().value()).isZero();
    assertThat(registry.get("permits.limit").tag("name", "uploads").gauge().value()).isZero();
  }

  private double keyed(String name) {
    return registry.get(name).tags("name", "exports").gauge().value();
  }

  private double gauge(String name) {
    return registry.get(name).tags("name", "db", "app", "test").gauge().value();
  }

  private Timer acquire(String result) {
    return registry.get("permits.acquire").tags("name", "db", "result", result).timer();
  }
}
