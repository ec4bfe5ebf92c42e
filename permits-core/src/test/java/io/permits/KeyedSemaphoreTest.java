package io.permits;

import static io.permits.Waits.awaitTrue;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** What a {@link KeyedSemaphore} adds to a semaphore: two levels, and keys that come and go. */
@Timeout(60)
class KeyedSemaphoreTest {

  @Test
  void eachKeyHasItsOwnLimitAndTheTotalBoundsThemAll() {
    try (KeyedSemaphore<String> exports =
        KeyedSemaphore.builder().name("exports").perKeyLimit(2).limit(3).build()) {
      Optional<Permit> a1 = exports.tryAcquire("a");
      Optional<Permit> a2 = exports.tryAcquire("a");
      assertThat(exports.tryAcquire("a")).as("a's third").isEmpty();
      Optional<Permit> b1 = exports.tryAcquire("b");
      assertThat(exports.tryAcquire("c")).as("the total is spent").isEmpty();
      assertThat(List.of(a1, a2, b1)).allSatisfy(p -> assertThat(p).isPresent());
      assertThat(exports.held("a")).isEqualTo(2);
      assertThat(exports.stats().held()).isEqualTo(3);
      assertThat(exports.stats().available()).isZero();

      a1.orElseThrow().close();
      assertThat(exports.tryAcquire("c")).isPresent();
    }
  }

  @Test
  void aKeyIsDroppedWhenItsLastPermitClosesAndItsLastWaiterLeaves() throws Exception {
    try (KeyedSemaphore<String> keyed =
        KeyedSemaphore.builder().name("k").perKeyLimit(1).build()) {
      Permit held = keyed.acquire("a");
      CompletableFuture<Permit> waiter = keyed.acquireAsync("a");
      assertThat(keyed.keysInUse()).isEqualTo(1);
      held.close();
      Permit second = waiter.get(10, TimeUnit.SECONDS);
      assertThat(keyed.stats().waitTime().count()).isEqualTo(1);
      assertThat(keyed.stats().waitTime().max()).isLessThan(Duration.ofMinutes(1));
      assertThat(keyed.keysInUse()).as("the waiter holds it now").isEqualTo(1);
      second.close();
      second.close(); // a second close counts nothing
      assertThat(keyed.keysInUse()).isZero();
      assertThat(keyed.held("a")).isZero();
    }
  }

  @Test
  void aMillionKeysUsedOnceLeaveNoEntryBehind() throws Exception {
    try (KeyedSemaphore<Integer> keyed =
        KeyedSemaphore.builder().name("many").perKeyLimit(2).limit(20).build()) {
      for (int key = 0; key < 1_000_000; key++) {
        try (Permit permit = keyed.acquire(key)) {
          assertThat(permit.permits()).isEqualTo(1);
        }
      }
      assertThat(keyed.keysInUse()).isZero();
      assertThat(keyed.stats().grants()).isEqualTo(1_000_000);
      assertThat(keyed.stats().held()).isZero();
      assertThat(keyed.stats().available()).isEqualTo(20);
    }
  }

  @Test
  void aRequestWaitingForTheTotalHoldsItsKeyAndReturnsItWhenCancelled() throws Exception {
    java.util.Map<String, Semaphore> byName = new java.util.concurrent.ConcurrentHashMap<>();
    try (KeyedSemaphore<String> keyed =
        KeyedSemaphore.builder()
            .name("k")
            .perKeyLimit(1)
            .limit(1)
            .backend(
                (name, limit) -> {
                  Semaphore semaphore = Semaphore.of(limit);
                  byName.put(name, semaphore);
                  return semaphore;
                })
            .build()) {
      Permit a = keyed.acquire("a");
      CompletableFuture<Permit> b = keyed.acquireAsync("b");
      // b took its key's permit and waits at the total
      awaitTrue(() -> keyed.forKey("b").waiting() == 1);
      assertThat(byName.get("k.b").available()).isZero();

      assertThat(b.cancel(false)).isTrue();
      assertThat(byName.get("k.b").available()).as("b's key permit came back").isEqualTo(1);
      assertThat(byName.get("k.b").isClosed()).as("and b left").isTrue();
      assertThat(keyed.keysInUse()).isEqualTo(1);
      a.close();
      try (Permit again = keyed.tryAcquire("b").orElseThrow()) {
        assertThat(again.isHeld()).isTrue();
      }
      assertThat(keyed.stats().cancellations()).isEqualTo(1);
    }
  }

  @Test
  void anInterruptWhileWaitingForTheTotalReturnsTheKeysPermits() throws Exception {
    try (KeyedSemaphore<String> keyed =
        KeyedSemaphore.builder().name("k").perKeyLimit(1).limit(1).build()) {
      Permit a = keyed.acquire("a");
      AtomicInteger interrupted = new AtomicInteger();
      Thread waiter =
          Thread.ofPlatform()
              .start(
                  () -> {
                    try (Permit unexpected = keyed.acquire("b")) {
                      throw new AssertionError("granted " + unexpected);
                    } catch (InterruptedException e) {
                      interrupted.incrementAndGet();
                    }
                  });
      awaitTrue(() -> keyed.forKey("b").waiting() == 1 && keyed.stats().waiting() == 1);
      waiter.interrupt();
      waiter.join();
      assertThat(interrupted).hasValue(1);
      assertThat(keyed.keysInUse()).isEqualTo(1);
      assertThat(keyed.stats().interrupts()).isEqualTo(1);
      a.close();
      assertThat(keyed.tryAcquire("b")).isPresent();
    }
  }

  @Test
  void aTimeoutCoversBothLevels() throws Exception {
    try (KeyedSemaphore<String> keyed =
        KeyedSemaphore.builder().name("k").perKeyLimit(1).limit(1).build()) {
      try (Permit a = keyed.acquire("a")) {
        assertThat(keyed.tryAcquire("b", Duration.ofMillis(20))).isEmpty();
        assertThat(keyed.tryAcquire("a", Duration.ZERO)).isEmpty();
        assertThat(keyed.keysInUse()).isEqualTo(1);
        assertThat(keyed.stats().timeouts()).isEqualTo(2);
        assertThat(a.isHeld()).isTrue();
      }
    }
  }

  @Test
  void closeFailsWaitersAtEitherLevelAndLaterRequests() throws Exception {
    KeyedSemaphore<String> keyed = KeyedSemaphore.builder().name("k").perKeyLimit(1).limit(2).build();
    Permit a = keyed.acquire("a");
    Permit b = keyed.acquire("b");
    CompletableFuture<Permit> atKey = keyed.acquireAsync("a");
    CompletableFuture<Permit> atTotal = keyed.acquireAsync("c");
    keyed.close();
    assertThatThrownBy(() -> atKey.get(10, TimeUnit.SECONDS))
        .cause()
        .isInstanceOf(SemaphoreClosedException.class);
    assertThatThrownBy(() -> atTotal.get(10, TimeUnit.SECONDS))
        .cause()
        .isInstanceOf(SemaphoreClosedException.class);
    assertThatThrownBy(() -> keyed.acquire("d"))
        .isInstanceOf(SemaphoreClosedException.class)
        .hasMessageContaining("'k'");
    assertThat(keyed.acquireAsync("d")).isCompletedExceptionally();
    assertThat(keyed.keysInUse()).as("the holders' keys").isEqualTo(2);
    a.close();
    b.close();
    assertThat(keyed.keysInUse()).isZero();
    assertThat(keyed.stats().closedWhileWaiting()).isEqualTo(2);
  }

  @Test
  void aPerKeyLimitChangeReachesKeysInUseAndKeysToCome() throws Exception {
    try (KeyedSemaphore<String> keyed =
        KeyedSemaphore.builder().name("k").perKeyLimit(1).build()) {
      Permit a = keyed.acquire("a");
      CompletableFuture<Permit> waiting = keyed.acquireAsync("a");
      keyed.setPerKeyLimit(2);
      waiting.get(10, TimeUnit.SECONDS).close();
      assertThat(keyed.tryAcquire("b", 2)).isPresent();
      keyed.setPerKeyLimit(1);
      assertThat(keyed.forKey("a").available()).as("a holds 1 of 1").isZero();
      assertThatThrownBy(() -> keyed.tryAcquire("c", 2))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("was 2");
      a.close();
    }
  }

  @Test
  void aShrinkOfTheTotalFailsARequestWaitingAtItAndReturnsTheKeysPermits() throws Exception {
    try (KeyedSemaphore<String> keyed =
        KeyedSemaphore.builder().name("k").perKeyLimit(3).limit(3).build()) {
      Permit a = keyed.acquire("a", 3);
      CompletableFuture<Permit> b = keyed.acquireAsync("b", 3);
      awaitTrue(() -> keyed.stats().waiting() == 1);
      keyed.setTotalLimit(2);
      assertThatThrownBy(() -> b.get(10, TimeUnit.SECONDS))
          .isInstanceOf(ExecutionException.class)
          .cause()
          .isInstanceOf(IllegalArgumentException.class);
      assertThat(keyed.keysInUse()).isEqualTo(1);
      assertThat(keyed.stats().cancellations()).as("a failure, not a cancel").isZero();
      a.close();
    }
  }

  @Test
  void busiestKeysAreThoseHoldingMost() throws Exception {
    try (KeyedSemaphore<String> keyed =
        KeyedSemaphore.builder().name("k").perKeyLimit(3).build()) {
      List<Permit> held = new ArrayList<>();
      held.add(keyed.acquire("one"));
      held.add(keyed.acquire("three", 3));
      held.add(keyed.acquire("two", 2));
      assertThat(keyed.busiestKeys(2))
          .extracting(KeyLoad::key)
          .containsExactly("three", "two");
      assertThat(keyed.busiestKeys(10)).hasSize(3);
      assertThatThrownBy(() -> keyed.busiestKeys(-1))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("-1");
      held.forEach(Permit::close);
    }
  }

  @Test
  void badInputFailsAtOnceNamingTheValue() {
    try (KeyedSemaphore<String> keyed =
        KeyedSemaphore.builder().name("k").perKeyLimit(2).limit(3).build()) {
      assertThatThrownBy(() -> keyed.acquire(null)).isInstanceOf(NullPointerException.class).hasMessageContaining("key");
      assertThatThrownBy(() -> keyed.tryAcquire("a", 0)).hasMessageContaining("was 0");
      assertThatThrownBy(() -> keyed.tryAcquire("a", 3)).hasMessageContaining("was 3");
      assertThatThrownBy(() -> keyed.acquireAsync("a", 3)).isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> keyed.tryAcquire("a", Duration.ofSeconds(-1)))
          .hasMessageContaining("PT-1S");
      assertThatThrownBy(() -> keyed.setPerKeyLimit(0)).hasMessageContaining("was 0");
      assertThat(keyed.keysInUse()).isZero();
    }
    assertThatThrownBy(() -> KeyedSemaphore.builder().perKeyLimit(0))
        .hasMessageContaining("perKeyLimit must be at least 1, was 0");
    assertThatThrownBy(() -> KeyedSemaphore.builder().limit(-2)).hasMessageContaining("was -2");
    try (KeyedSemaphore<String> noTotal = KeyedSemaphore.builder().build()) {
      assertThatThrownBy(() -> noTotal.setTotalLimit(3))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("without a total");
    }
  }

  @Test
  void theListenerHearsTheKeyedSemaphoresNameAndEveryKeysEvents() throws Exception {
    List<String> heard = new CopyOnWriteArrayList<>();
    SemaphoreListener listener =
        new SemaphoreListener() {
          @Override
          public void acquired(String semaphore, int permits, long waitedNanos) {
            heard.add("acquired " + semaphore + " " + permits);
          }

          @Override
          public void released(String semaphore, int permits, long heldNanos) {
            heard.add("released " + semaphore + " " + permits);
          }

          @Override
          public void rejected(String semaphore, int permits) {
            heard.add("rejected " + semaphore + " " + permits);
          }
        };
    try (KeyedSemaphore<String> keyed =
        KeyedSemaphore.builder().name("exports").perKeyLimit(1).listener(listener).build()) {
      try (Permit a = keyed.acquire("a")) {
        assertThat(keyed.tryAcquire("a")).isEmpty();
      }
      keyed.acquire("b").close();
      assertThat(keyed.stats().holdTime().count()).isEqualTo(2);
    }
    assertThat(heard)
        .containsExactly(
            "acquired exports 1",
            "rejected exports 1",
            "released exports 1",
            "acquired exports 1",
            "released exports 1");
  }

  @Test
  void theBackendOpensEachKeysSemaphoreByNameAndClosesItWhenIdle() throws Exception {
    List<String> opened = new CopyOnWriteArrayList<>();
    List<Semaphore> made = new CopyOnWriteArrayList<>();
    try (KeyedSemaphore<String> keyed =
        KeyedSemaphore.builder()
            .name("jobs")
            .perKeyLimit(2)
            .limit(5)
            .backend(
                (name, limit) -> {
                  opened.add(name + "/" + limit);
                  Semaphore semaphore = Semaphore.of(limit);
                  made.add(semaphore);
                  return semaphore;
                })
            .build()) {
      keyed.acquire("tenant 1").close();
      keyed.acquire("tenant 1").close();
      assertThat(opened).containsExactly("jobs/5", "jobs.tenant.201/2", "jobs.tenant.201/2");
      assertThat(made.get(1).isClosed()).as("idle key's semaphore").isTrue();
      assertThat(keyed.forKey("tenant 1").name()).isEqualTo("jobs.tenant.201");
    }
    assertThat(made.get(0).isClosed()).as("the total").isTrue();
  }

  @Test
  void keyNamesAreSafeForEveryBackendAndNeverShared() {
    assertThat(KeyNames.of("n", "azAZ09_-")).isEqualTo("n.azAZ09_-");
    assertThat(KeyNames.of("n", "`{@[/:")).isEqualTo("n..60.7b.40.5b.2f.3a");
    assertThat(KeyNames.of("n", "a.b")).isEqualTo("n.a.2eb");
    assertThat(KeyNames.of("n", "a.2eb")).isEqualTo("n.a.2e2eb");
    assertThat(KeyNames.of("n", "é")).isEqualTo("n..c3.a9");
    String longKey = "x".repeat(200);
    assertThat(KeyNames.of("n", longKey))
        .matches("n\\.\\.[0-9a-f]{32}")
        .isNotEqualTo(KeyNames.of("n", longKey + "y"));
    assertThat(KeyNames.of("n", 42)).isEqualTo("n.42");
  }

  @Test
  void manyThreadsOnFewKeysNeverPassEitherLimit() throws Exception {
    int keys = 4;
    int perKey = 2;
    int totalLimit = 5;
    AtomicIntegerArray inside = new AtomicIntegerArray(keys);
    AtomicInteger insideAll = new AtomicInteger();
    AtomicInteger worstKey = new AtomicInteger();
    AtomicInteger worstAll = new AtomicInteger();
    try (KeyedSemaphore<Integer> keyed =
        KeyedSemaphore.builder().name("k").perKeyLimit(perKey).limit(totalLimit).build()) {
      CountDownLatch done = new CountDownLatch(16);
      for (int t = 0; t < 16; t++) {
        int seed = t;
        Thread.ofVirtual()
            .start(
                () -> {
                  try {
                    for (int i = 0; i < 2_000; i++) {
                      int key = (seed + i) % keys;
                      Permit permit = acquireSomehow(keyed, key, (seed * 31 + i) % 4);
                      if (permit == null) {
                        continue;
                      }
                      try (permit) {
                        worstKey.accumulateAndGet(inside.incrementAndGet(key), Math::max);
                        worstAll.accumulateAndGet(insideAll.incrementAndGet(), Math::max);
                        Thread.yield();
                        inside.decrementAndGet(key);
                        insideAll.decrementAndGet();
                      }
                    }
                  } catch (Exception e) {
                    throw new AssertionError(e);
                  } finally {
                    done.countDown();
                  }
                });
      }
      assertThat(done.await(50, TimeUnit.SECONDS)).isTrue();
      assertThat(worstKey.get()).isLessThanOrEqualTo(perKey);
      assertThat(worstAll.get()).isLessThanOrEqualTo(totalLimit);
      assertThat(keyed.keysInUse()).isZero();
      SemaphoreStats stats = keyed.stats();
      assertThat(stats.held()).isZero();
      assertThat(stats.waiting()).isZero();
      assertThat(stats.available()).isEqualTo(totalLimit);
    }
  }

  private static Permit acquireSomehow(KeyedSemaphore<Integer> keyed, int key, int how)
      throws Exception {
    return switch (how) {
      case 0 -> keyed.acquire(key);
      case 1 -> keyed.tryAcquire(key).orElse(null);
      case 2 -> keyed.tryAcquire(key, Duration.ofNanos(50_000)).orElse(null);
      default -> {
        CompletableFuture<Permit> future = keyed.acquireAsync(key);
        if (key % 2 == 0 && future.cancel(false)) {
          yield null;
        }
        try {
          yield future.join();
        } catch (CancellationException cancelled) {
          yield null;
        }
      }
    };
  }
}
