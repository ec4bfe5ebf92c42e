package io.permits.tck;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.permits.Permit;
import io.permits.Semaphore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Strict order (rule 5, {@code Fairness.STRICT}): requests are served in arrival order, whatever
 * their kind, and a large request is never overtaken, not even by an untimed {@code tryAcquire}.
 * Runs only when {@link BackendUnderTest#strictOrder()} is true.
 */
public interface OrderingContract extends BackendUnderTest {

  /**
   * Waiters of every kind are served in the order they arrived.
   *
   * @throws Exception if the backend throws where the contract says it must not
   */
  @Test
  default void waitersAreServedInArrivalOrder() throws Exception {
    assumeTrue(strictOrder(), "the backend does not promise arrival order");
    Semaphore semaphore = semaphore(1);
    Permit holder = semaphore.acquire();
    List<Pending> waiters = new ArrayList<>();
    Pending.Kind[] kinds = {
      Pending.Kind.BLOCKING, Pending.Kind.ASYNC, Pending.Kind.TIMED,
      Pending.Kind.ASYNC, Pending.Kind.BLOCKING, Pending.Kind.TIMED
    };
    for (Pending.Kind kind : kinds) {
      waiters.add(Pending.start(kind, semaphore, 1));
      Await.waiting(semaphore, waiters.size());
    }

    Permit current = holder;
    for (int i = 0; i < waiters.size(); i++) {
      current.close();
      current = waiters.get(i).granted();
      for (int later = i + 1; later < waiters.size(); later++) {
        assertThat(waiters.get(later).isDone())
            .as("waiter %d (%s) served before waiter %d", later, waiters.get(later), i)
            .isFalse();
      }
    }
    current.close();
    assertThat(semaphore.available()).isEqualTo(1);
  }

  /**
   * A queued large request is not overtaken by an untimed {@code tryAcquire}, as the JDK's fair
   * {@code Semaphore.tryAcquire()} would, nor by a timed or async one.
   *
   * @throws Exception if the backend throws where the contract says it must not
   */
  @Test
  @DisplayName("a large request is not overtaken, not even by an untimed tryAcquire")
  default void aLargeRequestIsNotOvertakenByTryAcquire() throws Exception {
    assumeTrue(strictOrder(), "the backend does not promise arrival order");
    Semaphore semaphore = semaphore(3);
    Permit first = semaphore.acquire();
    Permit second = semaphore.acquire();
    Pending large = Pending.acquire(semaphore, 3);
    Await.waiting(semaphore, 1);

    assertThat(semaphore.tryAcquire()).as("untimed tryAcquire()").isEmpty();
    assertThat(semaphore.tryAcquire(1)).as("untimed tryAcquire(1)").isEmpty();
    assertThat(semaphore.tryAcquire(Duration.ZERO)).as("tryAcquire(0 s)").isEmpty();
    assertThat(semaphore.tryAcquire(1, Await.SHORT)).as("tryAcquire(1, 10 ms)").isEmpty();
    CompletableFuture<Permit> async = semaphore.acquireAsync();
    Await.waiting(semaphore, 2);
    assertThat(async).as("acquireAsync(1) behind acquire(3)").isNotDone();

    first.close();
    assertThat(semaphore.tryAcquire()).as("tryAcquire() with 2 free for acquire(3)").isEmpty();
    assertThat(async).isNotDone();
    second.close();

    Permit all = large.granted();
    assertThat(all.permits()).isEqualTo(3);
    assertThat(async).isNotDone();
    all.close();
    async.get(Await.PATIENCE.toNanos(), TimeUnit.NANOSECONDS).close();
    assertThat(semaphore.available()).isEqualTo(3);
  }

  /**
   * A queued large request is not overtaken by smaller requests queued behind it.
   *
   * @throws Exception if the backend throws where the contract says it must not
   */
  @Test
  default void aLargeRequestIsNotOvertakenBySmallerWaitersBehindIt() throws Exception {
    assumeTrue(strictOrder(), "the backend does not promise arrival order");
    Semaphore semaphore = semaphore(3);
    List<Permit> held = List.of(semaphore.acquire(), semaphore.acquire(), semaphore.acquire());
    Pending large = Pending.acquire(semaphore, 3);
    Await.waiting(semaphore, 1);
    Pending small = Pending.acquire(semaphore, 1);
    Await.waiting(semaphore, 2);
    Pending smallAsync = Pending.acquireAsync(semaphore, 1);
    Await.waiting(semaphore, 3);

    held.get(0).close();
    held.get(1).close();
    assertThat(small.isDone()).as("acquire(1) overtook a queued acquire(3)").isFalse();
    assertThat(smallAsync.isDone()).as("acquireAsync(1) overtook a queued acquire(3)").isFalse();
    held.get(2).close();

    Permit all = large.granted();
    assertThat(small.isDone()).isFalse();
    assertThat(smallAsync.isDone()).isFalse();
    all.close();
    assertThat(small.granted().isHeld()).isTrue();
    assertThat(smallAsync.granted().isHeld()).isTrue();
  }

  /**
   * Requests of mixed weights are served in arrival order as permits come back: each release
   * serves the queue from its head while the head fits, and a request that does not fit holds
   * back the smaller ones behind it.
   *
   * @throws Exception if the backend throws where the contract says it must not
   */
  @Test
  default void weightedRequestsAreServedInArrivalOrder() throws Exception {
    assumeTrue(strictOrder(), "the backend does not promise arrival order");
    Semaphore semaphore = semaphore(3);
    Permit all = semaphore.acquire(3);
    int[] weights = {2, 1, 3, 1, 2};
    List<Pending> waiters = new ArrayList<>();
    for (int weight : weights) {
      waiters.add(Pending.acquire(semaphore, weight));
      Await.waiting(semaphore, waiters.size());
    }

    List<Permit> holders = new ArrayList<>(List.of(all));
    int free = 0;
    int next = 0;
    while (!holders.isEmpty()) {
      Permit released = holders.remove(0);
      released.close();
      free += released.permits();
      while (next < weights.length && weights[next] <= free) {
        free -= weights[next];
        Permit granted = waiters.get(next).granted();
        assertThat(granted.permits()).isEqualTo(weights[next]);
        holders.add(granted);
        next++;
      }
      for (int later = next; later < weights.length; later++) {
        assertThat(waiters.get(later).isDone())
            .as("request %d (%s) served out of order", later, waiters.get(later))
            .isFalse();
      }
    }
    assertThat(next).isEqualTo(weights.length);
    assertThat(semaphore.available()).isEqualTo(3);
  }

  /**
   * While a request waits under strict order, no newcomer takes a permit, not even in the
   * instant between a release and its hand-off to the waiter: a thread spinning on {@code
   * tryAcquire()} while the holders release one by one never succeeds. Repeated, so that a
   * release path that frees permits before handing them to the queue is caught.
   *
   * @throws Exception if the backend throws where the contract says it must not
   */
  @Test
  default void noNewcomerTakesAReleasedPermitWhileARequestWaits() throws Exception {
    assumeTrue(strictOrder(), "the backend does not promise arrival order");
    Semaphore semaphore = semaphore(2);
    for (int round = 0; round < 300; round++) {
      Permit first = semaphore.acquire();
      Permit second = semaphore.acquire();
      Pending large = Pending.acquire(semaphore, 2);
      Await.waiting(semaphore, 1);
      Forked<Integer> newcomer =
          Forked.start(
              "newcomer",
              () -> {
                int overtakes = 0;
                while (!large.isDone()) {
                  Optional<Permit> barged = semaphore.tryAcquire();
                  if (barged.isPresent()) {
                    overtakes++;
                    barged.get().close();
                  }
                }
                return overtakes;
              });

      first.close();
      second.close();

      Permit granted = large.granted();
      assertThat(newcomer.join())
          .as("round %d: tryAcquire() succeeded while acquire(2) waited", round)
          .isZero();
      granted.close();
    }
    assertThat(semaphore.available()).isEqualTo(2);
  }
}
