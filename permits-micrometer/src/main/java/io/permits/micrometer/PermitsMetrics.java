package io.permits.micrometer;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.permits.KeyedSemaphore;
import io.permits.Semaphore;
import io.permits.SemaphoreListener;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * Micrometer metrics for one or more permits semaphores. Attach it as a listener when building
 * each semaphore, and bind it to a registry once:
 *
 * <pre>{@code
 * PermitsMetrics metrics = new PermitsMetrics(Tags.of("app", "orders"));
 * LocalSemaphore db = LocalSemaphore.builder().name("db").limit(10).listener(metrics).build();
 * metrics.bindTo(registry);
 * }</pre>
 *
 * <p>Meters, each tagged {@code name} (the semaphore's name) plus the common tags given here,
 * following Micrometer's naming conventions and modelled on HikariCP's and Resilience4j's
 * binders:
 *
 * <ul>
 *   <li>gauges {@code permits.limit}, {@code permits.available}, {@code permits.active} (held)
 *       and {@code permits.waiting} (queued requests), read from the semaphore when scraped;
 *   <li>timer {@code permits.acquire}, tag {@code result} = {@code granted}, {@code timeout},
 *       {@code cancelled} or {@code rejected}: how long requests waited (0 for a grant that did
 *       not wait, and for a rejection);
 *   <li>timer {@code permits.usage}: how long permits were held, grant to close;
 *   <li>counter {@code permits.leaks}: permits reported by the semaphore's leak detection.
 * </ul>
 *
 * <p>A semaphore that was built without this listener can still get its gauges through {@link
 * #monitor(Semaphore)}. A {@link KeyedSemaphore} gets the same four gauges for the whole keyed
 * semaphore through {@link #monitor(KeyedSemaphore)}, plus a gauge {@code permits.keys} of the keys
 * in use, and never a meter per key (keys are unbounded); attach this object as its listener too
 * for the timers and the counter, which it reports under its own name. Events that happen before {@link #bindTo(MeterRegistry)} are not recorded
 * (the semaphore's own {@link Semaphore#stats()} still counts them). Gauges hold their semaphore
 * weakly, as Micrometer's gauges do.
 */
public final class PermitsMetrics implements MeterBinder, SemaphoreListener {
  private final Tags tags;
  private final List<Semaphore> semaphores = new CopyOnWriteArrayList<>();
  private final List<KeyedSemaphore<?>> keyedSemaphores = new CopyOnWriteArrayList<>();
  private final Map<String, Meters> meters = new ConcurrentHashMap<>();
  private volatile @Nullable MeterRegistry registry;

  /** Metrics with no common tags. */
  public PermitsMetrics() {
    this(Tags.empty());
  }

  /**
   * Metrics with common tags added to every meter.
   *
   * @param tags the tags, e.g. {@code Tags.of("app", "orders")}
   */
  public PermitsMetrics(Iterable<Tag> tags) {
    this.tags = Tags.of(Objects.requireNonNull(tags, "tags"));
  }

  /**
   * Adds the gauges of a semaphore (done for you when this object is the semaphore's listener).
   *
   * @param semaphore the semaphore
   * @return this
   */
  public PermitsMetrics monitor(Semaphore semaphore) {
    Objects.requireNonNull(semaphore, "semaphore");
    semaphores.add(semaphore);
    MeterRegistry bound = registry;
    if (bound != null) {
      registerGauges(bound, semaphore);
    }
    return this;
  }

  /**
   * Adds the gauges of a keyed semaphore, for the whole of it: {@code permits.limit}, {@code
   * permits.available}, {@code permits.active} and {@code permits.waiting} as its {@link
   * KeyedSemaphore#stats()} gives them, and {@code permits.keys}, the keys in use. No meter is made
   * per key. For the timers and the leak counter, also pass this object to its builder's {@code
   * listener(…)}.
   *
   * @param keyed the keyed semaphore
   * @return this
   */
  public PermitsMetrics monitor(KeyedSemaphore<?> keyed) {
    Objects.requireNonNull(keyed, "keyed");
    keyedSemaphores.add(keyed);
    MeterRegistry bound = registry;
    if (bound != null) {
      registerGauges(bound, keyed);
    }
    return this;
  }

  @Override
  public void bindTo(MeterRegistry registry) {
    Objects.requireNonNull(registry, "registry");
    this.registry = registry;
    for (Semaphore semaphore : semaphores) {
      registerGauges(registry, semaphore);
      meters(semaphore.name());
    }
    for (KeyedSemaphore<?> keyed : keyedSemaphores) {
      registerGauges(registry, keyed);
      meters(keyed.name());
    }
  }

  private void registerGauges(MeterRegistry registry, KeyedSemaphore<?> keyed) {
    Tags named = tags.and("name", keyed.name());
    Gauge.builder("permits.limit", keyed, k -> k.stats().limit())
        .tags(named)
        .description(
            "The keyed semaphore's total limit (without one: the per-key limit times the keys in"
                + " use)")
        .baseUnit("permits")
        .register(registry);
    Gauge.builder("permits.available", keyed, k -> k.stats().available())
        .tags(named)
        .description("Permits free now, over all keys")
        .baseUnit("permits")
        .register(registry);
    Gauge.builder("permits.active", keyed, k -> k.stats().held())
        .tags(named)
        .description("Permits held now, over all keys")
        .baseUnit("permits")
        .register(registry);
    Gauge.builder("permits.waiting", keyed, k -> k.stats().waiting())
        .tags(named)
        .description("Requests queued now, over all keys")
        .baseUnit("requests")
        .register(registry);
    Gauge.builder("permits.keys", keyed, KeyedSemaphore::keysInUse)
        .tags(named)
        .description("Keys with holders or waiters now")
        .baseUnit("keys")
        .register(registry);
  }

  private void registerGauges(MeterRegistry registry, Semaphore semaphore) {
    Tags named = tags.and("name", semaphore.name());
    Gauge.builder("permits.limit", semaphore, Semaphore::limit)
        .tags(named)
        .description("The semaphore's total number of permits")
        .baseUnit("permits")
        .register(registry);
    Gauge.builder("permits.available", semaphore, Semaphore::available)
        .tags(named)
        .description("Permits free now")
        .baseUnit("permits")
        .register(registry);
    Gauge.builder("permits.active", semaphore, s -> s.stats().held())
        .tags(named)
        .description("Permits held now")
        .baseUnit("permits")
        .register(registry);
    Gauge.builder("permits.waiting", semaphore, Semaphore::waiting)
        .tags(named)
        .description("Requests queued now")
        .baseUnit("requests")
        .register(registry);
  }

  // ---------------------------------------------------------------- listener

  @Override
  public void attached(Semaphore semaphore) {
    monitor(semaphore);
  }

  @Override
  public void acquired(String semaphore, int permits, long waitedNanos) {
    Meters m = meters(semaphore);
    if (m != null) {
      m.granted.record(waitedNanos, TimeUnit.NANOSECONDS);
    }
  }

  @Override
  public void rejected(String semaphore, int permits) {
    Meters m = meters(semaphore);
    if (m != null) {
      m.rejected.record(0, TimeUnit.NANOSECONDS);
    }
  }

  @Override
  public void timedOut(String semaphore, int permits, long waitedNanos) {
    Meters m = meters(semaphore);
    if (m != null) {
      m.timeout.record(waitedNanos, TimeUnit.NANOSECONDS);
    }
  }

  @Override
  public void cancelled(String semaphore, int permits, long waitedNanos) {
    Meters m = meters(semaphore);
    if (m != null) {
      m.cancelled.record(waitedNanos, TimeUnit.NANOSECONDS);
    }
  }

  @Override
  public void released(String semaphore, int permits, long heldNanos) {
    Meters m = meters(semaphore);
    if (m != null) {
      m.usage.record(heldNanos, TimeUnit.NANOSECONDS);
    }
  }

  @Override
  public void leaked(String semaphore, int permits, long heldNanos) {
    Meters m = meters(semaphore);
    if (m != null) {
      m.leaks.increment(permits);
    }
  }

  /** The meters of one semaphore, made once the registry is known; null before. */
  private @Nullable Meters meters(String name) {
    MeterRegistry bound = registry;
    if (bound == null) {
      return null;
    }
    return meters.computeIfAbsent(name, n -> new Meters(bound, tags.and("name", n)));
  }

  private static final class Meters {
    final Timer granted;
    final Timer timeout;
    final Timer cancelled;
    final Timer rejected;
    final Timer usage;
    final Counter leaks;

    Meters(MeterRegistry registry, Tags tags) {
      granted = acquire(registry, tags, "granted");
      timeout = acquire(registry, tags, "timeout");
      cancelled = acquire(registry, tags, "cancelled");
      rejected = acquire(registry, tags, "rejected");
      usage =
          Timer.builder("permits.usage")
              .tags(tags)
              .description("How long permits were held, from grant to close")
              .register(registry);
      leaks =
          Counter.builder("permits.leaks")
              .tags(tags)
              .description("Permits reported by leak detection")
              .baseUnit("permits")
              .register(registry);
    }

    private static Timer acquire(MeterRegistry registry, Tags tags, String result) {
      return Timer.builder("permits.acquire")
          .tags(tags)
          .tag("result", result)
          .description("How long requests for permits waited, by outcome")
          .register(registry);
    }
  }
}
