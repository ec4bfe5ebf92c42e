package io.permits;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The smaller promises of a {@link KeyedSemaphore}: leases, limits raced, counts and names. */
@Timeout(60)
class KeyedSemaphoreDetailsTest {

  @Test
  void aKeyWhoseBackendHandsOutLeasesHandsOutLeases() throws Exception {
    AtomicLong tokens = new AtomicLong(100);
    Map<String, LeasingSemaphore> byName = new ConcurrentHashMap<>();
    try (KeyedSemaphore<String> keyed =
        KeyedSemaphore.builder()
            .name("api")
            .perKeyLimit(1)
            .limit(2)
            .backend(
                (name, limit) -> {
                  Duration remaining = name.equals("api") ? Duration.ofSeconds(5) : Duration.ofSeconds(9);
                  LeasingSemaphore semaphore = new LeasingSemaphore(limit, tokens, remaining);
                  byName.put(name, semaphore);
                  return semaphore;
                })
            .build()) {
      Permit permit = keyed.acquire("a");
      assertThat(permit).isInstanceOf(Lease.class);
      Lease lease = (Lease) permit;
      assertThat(lease.token()).as("the key's token, drawn first").isEqualTo(101);
      assertThat(lease.remaining()).as("the shorter of the two").isEqualTo(Duration.ofSeconds(5));
      assertThat(lease.lost()).isNotDone();
      byName.get("api").lastLease().lost.complete(null); // the total's lease is lost
      assertThat(lease.lost()).succeedsWithin(Duration.ofSeconds(10));
      assertThat(lease.isHeld()).isFalse();
      lease.close();
      assertThat(keyed.keysInUse()).isZero();
    }
  }

  @Test
  void aPerKeyLimitChangeThatRacesAKeysCreationReachesIt() throws Exception {
    List<Semaphore> made = new CopyOnWriteArrayList<>();
    KeyedSemaphore<String>[] self = newArray();
    try (KeyedSemaphore<String> keyed =
        KeyedSemaphore.builder()
            .name("k")
            .perKeyLimit(1)
            .backend(
                (name, limit) -> {
                  if (name.equals("k.late")) {
                    self[0].setPerKeyLimit(3); // after this key read the old limit
                  }
                  Semaphore semaphore = Semaphore.of(limit);
                  made.add(semaphore);
                  return semaphore;
                })
            .build()) {
      self[0] = keyed;
      try (Permit permit = keyed.acquire("late")) {
        assertThat(made.get(0).limit()).as("the new entry took the new limit").isEqualTo(3);
        assertThat(keyed.tryAcquire("late", 2)).isPresent().get().satisfies(Permit::close);
      }
      // the creator let go of the limit lock: another thread can change the limit
      CompletableFuture.runAsync(() -> keyed.setPerKeyLimit(4)).get(10, TimeUnit.SECONDS);
    }
  }

  @SuppressWarnings("unchecked")
  private static KeyedSemaphore<String>[] newArray() {
    return new KeyedSemaphore[1];
  }

  @Test
  void aTimeoutAtTheTotalReturnsTheKeysPermit() throws Exception {
    Map<String, Semaphore> byName = new ConcurrentHashMap<>();
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
      try (Permit a = keyed.acquire("a")) {
        assertThat(keyed.tryAcquire("b", Duration.ofMillis(30))).isEmpty();
        assertThat(byName.get("k.b").available()).as("b's permit came back").isEqualTo(1);
      }
    }
  }

  @Test
  void statsWithoutATotalCountTheKeysInUse() throws Exception {
    try (KeyedSemaphore<String> keyed =
        KeyedSemaphore.builder().name("k").perKeyLimit(3).recordHoldTimes(true).build()) {
      Permit a = keyed.acquire("a", 2);
      Permit b = keyed.acquire("b");
      SemaphoreStats stats = keyed.stats();
      assertThat(stats.limit()).as("3 per key, 2 keys").isEqualTo(6);
      assertThat(stats.held()).isEqualTo(3);
      assertThat(stats.available()).isEqualTo(3);
      assertThat(keyed.totalLimit()).isEmpty();
      assertThat(keyed.perKeyLimit()).isEqualTo(3);
      a.close();
      b.close();
      assertThat(keyed.stats().holdTime().count()).isEqualTo(2);
      assertThat(keyed.stats().holdTime().max()).isLessThan(Duration.ofMinutes(1));
      assertThat(keyed.busiestKeys(0)).isEmpty();
    }
  }

  @Test
  void theListenerHearsTimeoutsAndCancels() throws Exception {
    List<String> heard = new CopyOnWriteArrayList<>();
    List<Long> waits = new CopyOnWriteArrayList<>();
    SemaphoreListener listener =
        new SemaphoreListener() {
          @Override
          public void timedOut(String semaphore, int permits, long waitedNanos) {
            heard.add("timed out " + semaphore);
          }

          @Override
          public void cancelled(String semaphore, int permits, long waitedNanos) {
            heard.add("cancelled " + semaphore);
            waits.add(waitedNanos);
          }
        };
    try (KeyedSemaphore<String> keyed =
        KeyedSemaphore.builder().name("k").perKeyLimit(1).listener(listener).build()) {
      try (Permit a = keyed.acquire("a")) {
        assertThat(keyed.tryAcquire("a", Duration.ofMillis(10))).isEmpty();
        assertThat(keyed.tryAcquire("a", Duration.ZERO)).isEmpty();
        CompletableFuture<Permit> waiting = keyed.acquireAsync("a");
        assertThat(waiting.cancel(false)).isTrue();
      }
    }
    assertThat(heard).containsExactly("timed out k", "timed out k", "cancelled k");
    assertThat(waits).allSatisfy(nanos -> assertThat(nanos).isBetween(0L, 60_000_000_000L));
  }

  @Test
  void requestsNameTheKeyedSemaphoreInTheirErrors() throws Exception {
    try (KeyedSemaphore<String> keyed =
        KeyedSemaphore.builder().name("exports").perKeyLimit(2).build()) {
      assertThatThrownBy(() -> keyed.acquireAsync("a", 3))
          .hasMessageContaining("keyed semaphore 'exports'")
          .hasMessageContaining("was 3");
      assertThatThrownBy(() -> keyed.tryAcquire("a", 3))
          .hasMessageContaining("keyed semaphore 'exports'");
      try (Permit permit = keyed.acquire("a")) {
        assertThat(permit.toString()).contains("exports", "key a", "1 permits");
        permit.close();
        assertThat(permit.toString()).contains("closed");
      }
      assertThat(keyed.toString()).contains("exports", "per key 2");
      assertThat(keyed.forKey("a").toString()).contains("exports", "a");
    }
  }

  @Test
  void runAndCallHoldAPermitOfTheKey() throws Exception {
    try (KeyedSemaphore<String> keyed = KeyedSemaphore.builder().name("k").perKeyLimit(1).build()) {
      java.util.concurrent.atomic.AtomicInteger heldInside = new java.util.concurrent.atomic.AtomicInteger(-1);
      keyed.run("a", Duration.ZERO, () -> heldInside.set(keyed.held("a")));
      assertThat(heldInside).hasValue(1);
      assertThat(keyed.call("a", Duration.ZERO, () -> keyed.forKey("a").available())).isZero();
      assertThat(keyed.held("a")).isZero();
    }
  }

  @Test
  void aLimitChangeFromAnotherThreadFollowsOne() throws Exception {
    try (KeyedSemaphore<String> keyed = KeyedSemaphore.builder().name("k").perKeyLimit(1).build()) {
      keyed.setPerKeyLimit(2);
      CompletableFuture<Void> other = CompletableFuture.runAsync(() -> keyed.setPerKeyLimit(3));
      other.get(10, TimeUnit.SECONDS);
      assertThat(keyed.perKeyLimit()).isEqualTo(3);
    }
  }

  @Test
  void aKeyNameOfExactlyTheMaximumIsNotHashed() {
    String key = "x".repeat(KeyNames.MAX_LENGTH - 2);
    assertThat(KeyNames.of("n", key)).isEqualTo("n." + key).hasSize(KeyNames.MAX_LENGTH);
    assertThat(KeyNames.of("n", key + "x")).startsWith("n..");
  }

  /** A semaphore whose permits are leases with made-up tokens: what a shared backend returns. */
  private static final class LeasingSemaphore implements Semaphore {
    private final LocalSemaphore local;
    private final AtomicLong tokens;
    private final Duration remaining;
    private final List<FakeLease> leases = new CopyOnWriteArrayList<>();

    LeasingSemaphore(int limit, AtomicLong tokens, Duration remaining) {
      this.local = Semaphore.of(limit);
      this.tokens = tokens;
      this.remaining = remaining;
    }

    FakeLease lastLease() {
      return leases.get(leases.size() - 1);
    }

    private Permit lease(Permit permit) {
      FakeLease lease = new FakeLease(permit, tokens.incrementAndGet(), remaining);
      leases.add(lease);
      return lease;
    }

    @Override
    public String name() {
      return local.name();
    }

    @Override
    public int limit() {
      return local.limit();
    }

    @Override
    public int available() {
      return local.available();
    }

    @Override
    public int waiting() {
      return local.waiting();
    }

    @Override
    public Permit acquire(int permits) throws InterruptedException {
      return lease(local.acquire(permits));
    }

    @Override
    public Optional<Permit> tryAcquire(int permits) {
      return local.tryAcquire(permits).map(this::lease);
    }

    @Override
    public Optional<Permit> tryAcquire(int permits, Duration timeout) throws InterruptedException {
      return local.tryAcquire(permits, timeout).map(this::lease);
    }

    @Override
    public CompletableFuture<Permit> acquireAsync(int permits) {
      return local.acquireAsync(permits).thenApply(this::lease);
    }

    @Override
    public void setLimit(int limit) {
      local.setLimit(limit);
    }

    @Override
    public SemaphoreStats stats() {
      return local.stats();
    }

    @Override
    public boolean isClosed() {
      return local.isClosed();
    }

    @Override
    public void close() {
      local.close();
    }
  }

  private record FakeLease(Permit permit, long token, Duration remaining, CompletableFuture<Void> lost)
      implements Lease {
    FakeLease(Permit permit, long token, Duration remaining) {
      this(permit, token, remaining, new CompletableFuture<>());
    }

    @Override
    public int permits() {
      return permit.permits();
    }

    @Override
    public boolean isHeld() {
      return permit.isHeld() && !lost.isDone();
    }

    @Override
    public void close() {
      permit.close();
    }
  }
}
