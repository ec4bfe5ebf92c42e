package io.permits.tck;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.permits.Permit;
import io.permits.Semaphore;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Acquiring and releasing: a permit is an object, held until closed, released once from any
 * thread; permits are conserved and never granted beyond the limit (rules 1 and 2).
 */
public interface AcquireReleaseContract extends BackendUnderTest {

  /** A new semaphore reports its name and limit, every permit free, nobody waiting. */
  @Test
  default void aNewSemaphoreHasItsNameAndAllItsPermitsFree() {
    String name = Ids.next("tck-named");
    Semaphore semaphore = semaphore(name, 3);

    assertThat(semaphore.name()).isEqualTo(name);
    assertThat(semaphore.limit()).isEqualTo(3);
    assertThat(semaphore.available()).isEqualTo(3);
    assertThat(semaphore.waiting()).isZero();
    assertThat(semaphore.isClosed()).isFalse();
  }

  /**
   * An acquired permit is held, weighs one and takes one permit until it is closed.
   *
   * @throws Exception if the backend throws where the contract says it must not
   */
  @Test
  default void anAcquiredPermitIsHeldUntilClosed() throws Exception {
    Semaphore semaphore = semaphore(2);

    Permit permit = semaphore.acquire();
    assertThat(permit.isHeld()).isTrue();
    assertThat(permit.permits()).isEqualTo(1);
    assertThat(semaphore.available()).isEqualTo(1);

    permit.close();
    assertThat(permit.isHeld()).isFalse();
    assertThat(semaphore.available()).isEqualTo(2);
  }

  /**
   * A permit's weight stays readable after it is closed.
   *
   * @throws Exception if the backend throws where the contract says it must not
   */
  @Test
  default void aPermitKeepsItsWeightAfterClose() throws Exception {
    Semaphore semaphore = semaphore(3);
    Permit permit = semaphore.acquire(2);
    permit.close();
    assertThat(permit.permits()).isEqualTo(2);
  }

  /**
   * Closing a permit twice releases it once: over-release cannot happen.
   *
   * @throws Exception if the backend throws where the contract says it must not
   */
  @Test
  @DisplayName("closing a permit twice releases it once (BoundedSemaphore made impossible to misuse)")
  default void closingAPermitTwiceReleasesItOnce() throws Exception {
    Semaphore semaphore = semaphore(2);
    Permit first = semaphore.acquire();
    Permit second = semaphore.acquire();

    first.close();
    assertThat(first.isHeld()).isFalse();
    first.close();

    assertThat(first.isHeld()).isFalse();
    assertThat(second.isHeld()).isTrue();
    assertThat(semaphore.available()).isEqualTo(1);
    assertThat(semaphore.tryAcquire(2)).isEmpty();
    second.close();
    assertThat(semaphore.available()).isEqualTo(2);
  }

  /**
   * Many threads closing the same permit at once release it exactly once.
   *
   * @throws Exception if the backend throws where the contract says it must not
   */
  @Test
  default void aPermitClosedByManyThreadsAtOnceIsReleasedOnce() throws Exception {
    Semaphore semaphore = semaphore(2);
    Permit other = semaphore.acquire();
    for (int round = 0; round < 50; round++) {
      Permit permit = semaphore.acquire();
      int closers = 6;
      CyclicBarrier start = new CyclicBarrier(closers);
      List<Forked<Void>> threads = new ArrayList<>();
      for (int i = 0; i < closers; i++) {
        threads.add(
            Forked.start(
                "closer-" + i,
                () -> {
                  start.await();
                  permit.close();
                  return null;
                }));
      }
      for (Forked<Void> thread : threads) {
        thread.join();
      }
      assertThat(permit.isHeld()).isFalse();
      assertThat(semaphore.available()).as("round %d", round).isEqualTo(1);
    }
    other.close();
    assertThat(semaphore.available()).isEqualTo(2);
  }

  /**
   * A permit closed by a thread other than the one that acquired it is released.
   *
   * @throws Exception if the backend throws where the contract says it must not
   */
  @Test
  default void aPermitClosedFromAnotherThreadIsReleasedToAWaiter() throws Exception {
    Semaphore semaphore = semaphore(1);
    Permit permit = semaphore.acquire();
    Pending waiter = Pending.acquire(semaphore, 1);
    Await.waiting(semaphore, 1);

    Forked.start(
            "closer",
            () -> {
              permit.close();
              return null;
            })
        .join();

    assertThat(permit.isHeld()).isFalse();
    try (Permit granted = waiter.granted()) {
      assertThat(granted.isHeld()).isTrue();
      assertThat(semaphore.available()).isZero();
    }
    assertThat(semaphore.available()).isEqualTo(1);
  }

  /**
   * A permit acquired on a forked thread can be closed by the test thread.
   *
   * @throws Exception if the backend throws where the contract says it must not
   */
  @Test
  default void aPermitAcquiredByAnotherThreadCanBeClosedHere() throws Exception {
    Semaphore semaphore = semaphore(1);
    Permit permit = Forked.start("acquirer", () -> semaphore.acquire()).join();
    assertThat(permit).isNotNull();
    assertThat(semaphore.available()).isZero();
    permit.close();
    assertThat(permit.isHeld()).isFalse();
    assertThat(semaphore.available()).isEqualTo(1);
  }

  /** {@code tryAcquire} takes a free permit without waiting. */
  @Test
  default void tryAcquireTakesAFreePermit() {
    Semaphore semaphore = semaphore(2);
    Optional<Permit> permit = semaphore.tryAcquire();
    assertThat(permit).hasValueSatisfying(p -> assertThat(p.isHeld()).isTrue());
    assertThat(permit.orElseThrow().permits()).isEqualTo(1);
    assertThat(semaphore.available()).isEqualTo(1);
    permit.orElseThrow().close();
    assertThat(semaphore.available()).isEqualTo(2);
  }

  /**
   * {@code tryAcquire} returns empty when no permit is free, and queues nothing.
   *
   * @throws Exception if the backend throws where the contract says it must not
   */
  @Test
  default void tryAcquireReturnsEmptyWhenNoPermitIsFree() throws Exception {
    Semaphore semaphore = semaphore(1);
    Permit holder = semaphore.acquire();

    assertThat(semaphore.tryAcquire()).isEmpty();
    assertThat(semaphore.tryAcquire(1)).isEmpty();
    assertThat(semaphore.waiting()).isZero();
    assertThat(semaphore.available()).isZero();
    assertThat(holder.isHeld()).isTrue();

    holder.close();
    assertThat(semaphore.available()).isEqualTo(1);
  }

  /**
   * {@code acquire} waits while no permit is free and returns once one is released.
   *
   * @throws Exception if the backend throws where the contract says it must not
   */
  @Test
  default void acquireWaitsUntilAPermitIsReleased() throws Exception {
    Semaphore semaphore = semaphore(1);
    Permit holder = semaphore.acquire();
    Pending waiter = Pending.acquire(semaphore, 1);
    Await.waiting(semaphore, 1);
    assertThat(waiter.isDone()).as("a waiter returned while the only permit was held").isFalse();

    holder.close();

    try (Permit permit = waiter.granted()) {
      assertThat(permit.isHeld()).isTrue();
      assertThat(semaphore.waiting()).isZero();
      assertThat(semaphore.available()).isZero();
    }
  }

  /**
   * Releasing one permit lets exactly one of several waiters in (rule 2: bound).
   *
   * @throws Exception if the backend throws where the contract says it must not
   */
  @Test
  default void aReleaseOfOnePermitLetsExactlyOneWaiterIn() throws Exception {
    Semaphore semaphore = semaphore(1);
    Permit holder = semaphore.acquire();
    List<Pending> waiters = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      waiters.add(Pending.acquire(semaphore, 1));
      Await.waiting(semaphore, i + 1);
    }

    Permit current = holder;
    for (int served = 1; served <= 3; served++) {
      current.close();
      int queued = 3 - served;
      int done = served;
      Await.until(
          () -> semaphore.waiting() == queued && countDone(waiters) == done,
          () -> "expected " + done + " waiter(s) served, on " + Await.describe(semaphore));
      assertThat(semaphore.available()).isZero();
      assertThat(semaphore.tryAcquire()).isEmpty();
      assertThat(countDone(waiters)).as("waiters served by %d release(s)", served).isEqualTo(done);
      current = firstGrantedNotClosed(waiters);
    }
    current.close();
    assertThat(semaphore.available()).isEqualTo(1);
  }

  private static int countDone(List<Pending> requests) {
    return (int) requests.stream().filter(Pending::isDone).count();
  }

  private static Permit firstGrantedNotClosed(List<Pending> requests) throws InterruptedException {
    for (Pending request : requests) {
      if (request.isDone()) {
        Permit permit = request.granted();
        if (permit.isHeld()) {
          return permit;
        }
      }
    }
    throw new AssertionError("no waiter holds a permit");
  }

  /**
   * The weights of several holders add up to the limit; nothing more can be had.
   *
   * @throws Exception if the backend throws where the contract says it must not
   */
  @Test
  default void theWeightsOfSeveralHoldersAddUp() throws Exception {
    Semaphore semaphore = semaphore(6);
    Permit one = semaphore.acquire(1);
    Permit two = semaphore.acquire(2);
    Permit three = semaphore.acquire(3);

    assertThat(semaphore.available()).isZero();
    assertThat(semaphore.tryAcquire()).isEmpty();

    two.close();
    assertThat(semaphore.available()).isEqualTo(2);
    three.close();
    one.close();
    assertThat(semaphore.available()).isEqualTo(6);
  }

  /**
   * A permit in try-with-resources is released when the block throws.
   *
   * @throws Exception if the backend throws where the contract says it must not
   */
  @Test
  default void tryWithResourcesReleasesThePermitWhenTheBlockThrows() throws Exception {
    Semaphore semaphore = semaphore(1);
    assertThatThrownBy(
            () -> {
              try (Permit permit = semaphore.acquire()) {
                assertThat(permit.isHeld()).isTrue();
                throw new IllegalStateException("boom");
              }
            })
        .hasMessage("boom");
    assertThat(semaphore.available()).isEqualTo(1);
  }

  /**
   * Interrupting a thread that holds a permit does nothing to the permit.
   *
   * @throws Exception if the backend throws where the contract says it must not
   */
  @Test
  default void interruptingAHolderDoesNotReleaseItsPermit() throws Exception {
    Semaphore semaphore = semaphore(1);
    Permit permit = semaphore.acquire();
    Thread.currentThread().interrupt();
    try {
      assertThat(permit.isHeld()).isTrue();
      assertThat(semaphore.available()).isZero();
    } finally {
      Thread.interrupted();
    }
    permit.close();
    assertThat(semaphore.available()).isEqualTo(1);
  }

  /**
   * A limit of one gives mutual exclusion with visibility: a plain counter incremented by
   * virtual and platform threads under the permit loses no increment (happens-before from a
   * release to the next acquisition).
   *
   * @throws Exception if the backend throws where the contract says it must not
   */
  @Test
  default void aLimitOfOneGivesMutualExclusionAndVisibility() throws Exception {
    Semaphore semaphore = semaphore(1);
    int[] counter = new int[1];
    int threads = 8;
    int increments = scaled(500, 50);
    CyclicBarrier start = new CyclicBarrier(threads);
    List<Forked<Void>> workers = new ArrayList<>();
    for (int i = 0; i < threads; i++) {
      Callable<Void> body =
          () -> {
            start.await();
            for (int k = 0; k < increments; k++) {
              try (Permit permit = semaphore.acquire()) {
                counter[0] += permit.permits();
              }
            }
            return null;
          };
      workers.add(
          i % 2 == 0 ? Forked.start("worker-" + i, body) : Forked.startPlatform("worker-" + i, body));
    }
    for (Forked<Void> worker : workers) {
      worker.join();
    }
    try (Permit permit = semaphore.acquire()) {
      assertThat(permit.isHeld()).isTrue();
      assertThat(counter[0]).isEqualTo(threads * increments);
    }
    assertThat(semaphore.available()).isEqualTo(1);
  }
}
