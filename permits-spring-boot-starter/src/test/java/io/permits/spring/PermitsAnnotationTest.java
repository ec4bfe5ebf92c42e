package io.permits.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.permits.KeyedSemaphore;
import io.permits.Permit;
import io.permits.PermitUnavailableException;
import io.permits.Semaphore;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/** What {@code @Permits} does around a call: sync and async, keys, waits, failures. */
@Timeout(60)
class PermitsAnnotationTest {

  private final ApplicationContextRunner runner =
      new ApplicationContextRunner()
          .withConfiguration(AutoConfigurations.of(PermitsAutoConfiguration.class))
          .withPropertyValues(
              "permits.semaphores.db.limit=2",
              "permits.semaphores.pool.limit=1",
              "permits.semaphores.pool.max-wait=1m",
              "permits.semaphores.exports.per-key-limit=1",
              "permits.semaphores.exports.limit=10",
              "test.short-wait=20ms")
          .withBean(Service.class);

  private void run(Consumer<Fixture> test) {
    runner.run(
        context -> {
          assertThat(context).hasNotFailed();
          test.accept(new Fixture(context));
        });
  }

  @Test
  void aCallHoldsAPermitWhileItRunsAndGivesItBack() {
    run(
        f -> {
          CountDownLatch entered = new CountDownLatch(1);
          CountDownLatch release = new CountDownLatch(1);
          try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            threads.submit(() -> f.service.hold(entered, release));
            await(entered);
            assertThat(f.db.available()).isEqualTo(1);
            release.countDown();
          }
          assertThat(f.db.available()).isEqualTo(2);
          assertThat(f.db.stats().grants()).isEqualTo(1);
        });
  }

  @Test
  void noPermitWithinMaxWaitThrowsNamingTheSemaphoreAndTheWait() throws Exception {
    run(
        f -> {
          try (Permit all = acquire(f.db, 2)) {
            assertThatThrownBy(f.service::quick)
                .isInstanceOf(PermitRejectedException.class)
                .isInstanceOf(PermitUnavailableException.class)
                .hasMessageContaining("semaphore 'db'")
                .satisfies(
                    e -> {
                      PermitRejectedException rejected = (PermitRejectedException) e;
                      assertThat(rejected.semaphore()).isEqualTo("db");
                      assertThat(rejected.maxWait()).isEqualTo(Duration.ofMillis(50));
                      assertThat(rejected.key()).isEmpty();
                    });
          }
          assertThat(f.service.calls().get()).isZero();
          assertThat(f.db.available()).isEqualTo(2);
          assertThat(f.db.stats().timeouts()).isEqualTo(1);
        });
  }

  @Test
  void withoutMaxWaitTheSemaphoresMaxWaitApplies() {
    run(
        f -> {
          try (Permit all = acquire(f.db, 2)) {
            assertThatThrownBy(f.service::noWait)
                .isInstanceOfSatisfying(
                    PermitRejectedException.class,
                    e -> assertThat(e.maxWait()).isEqualTo(Duration.ZERO));
          }
        });
  }

  @Test
  void thePermitIsReleasedWhenTheMethodThrows() {
    run(
        f -> {
          assertThatThrownBy(f.service::fail).isInstanceOf(IllegalStateException.class)
              .hasMessage("boom");
          assertThat(f.db.available()).isEqualTo(2);
        });
  }

  @Test
  void theKeyIsASpelExpressionOverTheParameters() {
    run(
        f -> {
          try (Permit acme = acquire(f.exports, "acme")) {
            assertThatThrownBy(() -> f.service.export("acme"))
                .isInstanceOfSatisfying(
                    PermitRejectedException.class,
                    e -> {
                      assertThat(e.key()).contains("acme");
                      assertThat(e.getMessage()).contains("for key 'acme'");
                    });
            assertThat(f.service.export("globex")).isEqualTo("exported globex");
            assertThat(f.service.exportByIndex("globex", 1)).isEqualTo("globex 1");
            assertThatThrownBy(() -> f.service.exportByIndex("acme", 2))
                .isInstanceOf(PermitRejectedException.class);
          }
          assertThat(f.exports.keysInUse()).isZero();
        });
  }

  @Test
  void aNullKeyIsAnError() {
    run(
        f ->
            assertThatThrownBy(() -> f.service.export(null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("evaluated to null"));
  }

  @Test
  void anAsyncCallWaitsForItsPermitWithoutAThread() {
    run(
        f -> {
          CompletableFuture<String> inner = new CompletableFuture<>();
          CompletableFuture<String> result;
          try (Permit held = acquire(f.pool, 1)) {
            result = f.service.async(inner); // returns at once: no thread waits for the permit
            assertThat(result).isNotDone();
            assertThat(f.service.calls().get()).as("the method waits for the permit").isZero();
            assertThat(f.pool.waiting()).isEqualTo(1);
          } // the release grants the queued request; the method runs on a virtual thread
          await(f.service.asyncEntered());
          Thread ran = f.service.lastThread().get();
          assertThat(ran.isVirtual()).isTrue();
          assertThat(ran.getName()).startsWith("permits-async-");
          assertThat(f.pool.available()).as("held until the method's future completes").isZero();
          assertThat(result).isNotDone();
          inner.complete("done");
          assertThat(result.join()).isEqualTo("done");
          assertThat(f.pool.available()).isEqualTo(1);
        });
  }

  @Test
  void anAsyncCallWithAFreePermitRunsOnTheCallersThread() {
    run(
        f -> {
          CompletableFuture<String> inner = new CompletableFuture<>();
          CompletableFuture<String> result = f.service.async(inner);
          assertThat(f.service.lastThread().get()).isSameAs(Thread.currentThread());
          assertThat(f.pool.available()).isZero();
          inner.completeExceptionally(new IllegalStateException("downstream failed"));
          assertThatThrownBy(result::join).hasCauseInstanceOf(IllegalStateException.class);
          assertThat(f.pool.available()).isEqualTo(1);
        });
  }

  @Test
  void anAsyncCallThatFindsNoPermitInTimeFailsItsFuture() {
    run(
        f -> {
          CompletableFuture<String> result;
          try (Permit held = acquire(f.pool, 1)) {
            result = f.service.asyncShort(CompletableFuture.completedFuture("never"));
            assertThatThrownBy(result::join)
                .isInstanceOf(CompletionException.class)
                .cause()
                .isInstanceOfSatisfying(
                    PermitRejectedException.class,
                    e -> assertThat(e.maxWait()).isEqualTo(Duration.ofMillis(20)));
            assertThat(f.pool.waiting()).isZero();
          }
          assertThat(f.service.calls().get()).isZero();
          assertThat(f.pool.available()).isEqualTo(1);
        });
  }

  @Test
  void cancellingAnAsyncCallsFutureWithdrawsItsRequest() {
    run(
        f -> {
          CompletableFuture<String> result;
          try (Permit held = acquire(f.pool, 1)) {
            result = f.service.async(new CompletableFuture<>());
            assertThat(f.pool.waiting()).isEqualTo(1);
            result.cancel(false);
            assertThat(f.pool.waiting()).isZero();
          }
          assertThat(f.pool.available()).isEqualTo(1);
          assertThat(f.service.calls().get()).isZero();
        });
  }

  @Test
  void anAsyncMethodThatThrowsFailsItsFutureAndReleases() {
    run(
        f -> {
          CompletableFuture<String> result = f.service.asyncThrows();
          assertThatThrownBy(result::join).hasCauseInstanceOf(IllegalStateException.class);
          assertThat(f.pool.available()).isEqualTo(1);
        });
  }

  @Test
  void anAsyncKeyedCallTakesItsKeysPermit() {
    run(
        f -> {
          CompletableFuture<String> inner = new CompletableFuture<>();
          CompletableFuture<String> first = f.service.asyncExport("acme", inner);
          assertThat(f.exports.held("acme")).isEqualTo(1);
          CompletableFuture<String> second = f.service.asyncExport("acme", inner);
          assertThatThrownBy(second::join)
              .cause()
              .isInstanceOfSatisfying(
                  PermitRejectedException.class, e -> assertThat(e.key()).contains("acme"));
          assertThat(f.service.asyncExport("globex", CompletableFuture.completedFuture("g")).join())
              .isEqualTo("g");
          inner.complete("a");
          assertThat(first.join()).isEqualTo("a");
          assertThat(f.exports.keysInUse()).isZero();
        });
  }

  /**
   * A grant and a timeout race for every call; whichever wins, no permit is lost or taken twice.
   */
  @Test
  void noPermitIsLostWhenTheGrantRacesTheTimeout() {
    run(
        f -> {
          AtomicInteger ran = new AtomicInteger();
          AtomicInteger rejected = new AtomicInteger();
          try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < 300; i++) {
              Permit held = acquire(f.pool, 1);
              CompletableFuture<String> result =
                  f.service.asyncTiny(CompletableFuture.completedFuture("ok")).toCompletableFuture();
              threads.submit(held::close); // races the 1 ms timeout
              try {
                result.join();
                ran.incrementAndGet();
              } catch (CompletionException e) {
                assertThat(e.getCause()).isInstanceOf(PermitRejectedException.class);
                rejected.incrementAndGet();
              }
              await(() -> f.pool.available() == 1); // the racing release has happened
            }
          }
          assertThat(ran.get() + rejected.get()).isEqualTo(300);
          assertThat(f.pool.available()).isEqualTo(1);
          assertThat(f.pool.stats().held()).isZero();
          assertThat(f.pool.waiting()).isZero();
        });
  }

  @Test
  void virtualThreadsWaitAndAreServedInBounds() {
    runner
        .withPropertyValues("spring.threads.virtual.enabled=true", "permits.semaphores.db.max-wait=1m")
        .run(
            context -> {
              Service service = context.getBean(Service.class);
              try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
                for (int i = 0; i < 200; i++) {
                  threads.submit(service::counted);
                }
              }
              assertThat(service.calls().get()).isEqualTo(200);
              assertThat(service.maxInside().get()).isBetween(1, 2);
              assertThat(context.getBean("db", Semaphore.class).available()).isEqualTo(2);
            });
  }

  // ---- annotations that are wrong stop the startup ----

  @Test
  void anUnknownSemaphoreStopsTheStartup() {
    new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(PermitsAutoConfiguration.class))
        .withBean(Wrong.UnknownSemaphore.class)
        .run(
            context ->
                assertThat(PermitsAutoConfigurationTest.failure(context))
                    .contains("UnknownSemaphore.call()")
                    .contains("no semaphore named 'nope'")
                    .contains("permits.semaphores.nope.limit"));
  }

  @Test
  void anAnnotationNamingABeanThatIsNoSemaphoreStopsTheStartup() {
    new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(PermitsAutoConfiguration.class))
        .withBean("nope", String.class, () -> "not a semaphore")
        .withBean(Wrong.UnknownSemaphore.class)
        .run(
            context ->
                assertThat(PermitsAutoConfigurationTest.failure(context))
                    .contains("bean 'nope' is a java.lang.String, not a Semaphore"));
  }

  @Test
  void aKeyForASemaphoreWithoutKeysStopsTheStartup() {
    wrong(Wrong.KeyWithoutKeys.class, "has no per-key-limit");
  }

  @Test
  void noKeyForAKeyedSemaphoreStopsTheStartup() {
    wrong(Wrong.NoKey.class, "needs a key");
  }

  @Test
  void aBadMaxWaitStopsTheStartup() {
    wrong(Wrong.BadWait.class, "maxWait \"soon\" is not a duration");
  }

  @Test
  void aBadKeyExpressionStopsTheStartup() {
    wrong(Wrong.BadKey.class, "is not a SpEL expression");
  }

  @Test
  void anUnsupportedFutureTypeStopsTheStartup() {
    wrong(Wrong.OwnFuture.class, "returns CompletableFuture or CompletionStage");
  }

  private void wrong(Class<?> bean, String message) {
    new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(PermitsAutoConfiguration.class))
        .withPropertyValues(
            "permits.semaphores.db.limit=1", "permits.semaphores.exports.per-key-limit=1")
        .withBean(bean)
        .run(
            context ->
                assertThat(PermitsAutoConfigurationTest.failure(context))
                    .contains(bean.getSimpleName())
                    .contains(message));
  }

  // ---- helpers ----

  private static final class Fixture {
    final Service service;
    final Semaphore db;
    final Semaphore pool;
    final KeyedSemaphore<Object> exports;

    @SuppressWarnings("unchecked")
    Fixture(AssertableApplicationContext context) {
      service = context.getBean(Service.class);
      db = context.getBean("db", Semaphore.class);
      pool = context.getBean("pool", Semaphore.class);
      exports = context.getBean("exports", KeyedSemaphore.class);
    }
  }

  private static Permit acquire(Semaphore semaphore, int permits) {
    return semaphore.tryAcquire(permits).orElseThrow();
  }

  private static Permit acquire(KeyedSemaphore<Object> keyed, String key) {
    return keyed.tryAcquire(key).orElseThrow();
  }

  private static void await(CountDownLatch latch) {
    try {
      latch.await();
    } catch (InterruptedException e) {
      throw new AssertionError(e);
    }
  }

  private static void await(java.util.function.BooleanSupplier condition) {
    while (!condition.getAsBoolean()) {
      Thread.onSpinWait();
      Thread.yield();
    }
  }

  /** The annotated bean. */
  static class Service {
    final AtomicInteger calls = new AtomicInteger();
    final AtomicInteger inside = new AtomicInteger();
    final AtomicInteger maxInside = new AtomicInteger();
    final AtomicReference<Thread> lastThread = new AtomicReference<>();
    final CountDownLatch asyncEntered = new CountDownLatch(1);

    // read through these: the test holds the proxy, whose own fields are not the bean's

    public AtomicInteger calls() {
      return calls;
    }

    public AtomicInteger maxInside() {
      return maxInside;
    }

    public AtomicReference<Thread> lastThread() {
      return lastThread;
    }

    public CountDownLatch asyncEntered() {
      return asyncEntered;
    }

    @Permits("db")
    public String hold(CountDownLatch entered, CountDownLatch release)
        throws InterruptedException {
      entered.countDown();
      release.await();
      return "held";
    }

    @Permits(value = "db", maxWait = "50ms")
    public String quick() {
      calls.incrementAndGet();
      return "quick";
    }

    @Permits("db")
    public String noWait() {
      return "no wait";
    }

    @Permits("db")
    public String fail() {
      throw new IllegalStateException("boom");
    }

    @Permits("db")
    public String counted() {
      int now = inside.incrementAndGet();
      maxInside.accumulateAndGet(now, Math::max);
      Thread.yield();
      inside.decrementAndGet();
      calls.incrementAndGet();
      return "counted";
    }

    @Permits(value = "exports", key = "#tenant")
    public String export(String tenant) {
      return "exported " + tenant;
    }

    @Permits(value = "exports", key = "#p0")
    public String exportByIndex(String tenant, int n) {
      return tenant + " " + n;
    }

    @Permits("pool")
    public CompletableFuture<String> async(CompletableFuture<String> inner) {
      calls.incrementAndGet();
      lastThread.set(Thread.currentThread());
      asyncEntered.countDown();
      return inner;
    }

    @Permits(value = "pool", maxWait = "${test.short-wait}")
    public CompletableFuture<String> asyncShort(CompletableFuture<String> inner) {
      calls.incrementAndGet();
      return inner;
    }

    @Permits(value = "pool", maxWait = "1ms")
    public java.util.concurrent.CompletionStage<String> asyncTiny(
        CompletableFuture<String> inner) {
      return inner;
    }

    @Permits("pool")
    public CompletableFuture<String> asyncThrows() {
      throw new IllegalStateException("before the future");
    }

    @Permits(value = "exports", key = "#tenant")
    public CompletableFuture<String> asyncExport(String tenant, CompletableFuture<String> inner) {
      return inner;
    }
  }

  /** Beans whose annotation is wrong. */
  static final class Wrong {
    static class UnknownSemaphore {
      @Permits("nope")
      public void call() {}
    }

    static class KeyWithoutKeys {
      @Permits(value = "db", key = "#a")
      public void call(String a) {}
    }

    static class NoKey {
      @Permits("exports")
      public void call() {}
    }

    static class BadWait {
      @Permits(value = "db", maxWait = "soon")
      public void call() {}
    }

    static class BadKey {
      @Permits(value = "exports", key = "#a +")
      public void call(String a) {}
    }

    static class OwnFuture {
      @Permits("db")
      public MyFuture call() {
        return new MyFuture();
      }
    }

    static class MyFuture extends CompletableFuture<String> {}
  }
}
