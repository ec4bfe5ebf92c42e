package io.permits.tck;

import static org.assertj.core.api.Assertions.assertThat;

import io.permits.Permit;
import io.permits.Semaphore;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Waiting never pins a virtual thread (rule 8): far more virtual threads than carrier threads
 * can wait at once, and other virtual threads still run meanwhile.
 */
public interface VirtualThreadContract extends BackendUnderTest {

  /**
   * Hundreds of virtual threads wait on one permit at once; if waiting pinned their carriers,
   * the later ones could not even start to wait, nor could an unrelated virtual thread run.
   *
   * @throws Exception if the backend throws where the contract says it must not
   */
  @Test
  default void manyVirtualThreadsWaitAtOnceWithoutPinningTheirCarriers() throws Exception {
    Semaphore semaphore = semaphore(1);
    Permit holder = semaphore.acquire();
    int threads = 256 + 16 * Runtime.getRuntime().availableProcessors();
    List<Forked<Integer>> waiters = new ArrayList<>();
    for (int i = 0; i < threads; i++) {
      waiters.add(
          Forked.start(
              "waiter-" + i,
              () -> {
                try (Permit permit = semaphore.acquire()) {
                  return permit.permits();
                }
              }));
    }

    Await.waiting(semaphore, threads);
    assertThat(Forked.start("bystander", () -> "ran").join())
        .as("a virtual thread ran while %d virtual threads waited", threads)
        .isEqualTo("ran");

    holder.close();
    for (Forked<Integer> waiter : waiters) {
      assertThat(waiter.join()).isEqualTo(1);
    }
    assertThat(semaphore.available()).isEqualTo(1);
    assertThat(semaphore.waiting()).isZero();
  }

  /**
   * Virtual and platform threads wait in the same queue and hand permits to each other.
   *
   * @throws Exception if the backend throws where the contract says it must not
   */
  @Test
  default void virtualAndPlatformThreadsShareOneQueue() throws Exception {
    Semaphore semaphore = semaphore(1);
    Permit holder = semaphore.acquire();
    List<Forked<Integer>> waiters = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      Callable<Integer> body =
          () -> {
            try (Permit permit = semaphore.acquire()) {
              return permit.permits();
            }
          };
      waiters.add(
          i % 2 == 0 ? Forked.start("virtual-" + i, body) : Forked.startPlatform("platform-" + i, body));
      Await.waiting(semaphore, i + 1);
    }

    holder.close();
    for (Forked<Integer> waiter : waiters) {
      assertThat(waiter.join()).isEqualTo(1);
    }
    assertThat(semaphore.available()).isEqualTo(1);
  }

  /**
   * Many virtual threads cycle through few permits, yielding while they hold one, until every
   * thread has done all its rounds; three times over. A lost wake-up leaves threads parked with
   * permits free, and the test then fails by its timeout. (A barging head that judged whether
   * it was the head from a stale link once parked with its wake-up signal still set; with this
   * shape, a million pairs, one run in two or three caught it.)
   *
   * @throws Exception if the backend throws where the contract says it must not
   */
  @Test
  default void manyVirtualThreadsCycleThroughFewPermitsWithoutALostWakeUp() throws Exception {
    int permits = 100;
    int threads = Math.max(100, (int) (10_000 * loadScale()));
    int rounds = Math.max(10, (int) (100 * loadScale()));
    Semaphore semaphore = semaphore(permits);
    AtomicInteger inside = new AtomicInteger();
    AtomicInteger mostInside = new AtomicInteger();
    for (int repetition = 0; repetition < 3; repetition++) {
      CountDownLatch start = new CountDownLatch(1);
      List<Forked<Integer>> cyclers = new ArrayList<>();
      for (int i = 0; i < threads; i++) {
        cyclers.add(
            Forked.start(
                "cycler-" + i,
                () -> {
                  start.await();
                  for (int round = 0; round < rounds; round++) {
                    try (Permit permit = semaphore.acquire()) {
                      mostInside.accumulateAndGet(inside.incrementAndGet(), Math::max);
                      Thread.yield();
                      inside.decrementAndGet();
                    }
                  }
                  return rounds;
                }));
      }
      start.countDown();
      long done = 0;
      for (Forked<Integer> cycler : cyclers) {
        Integer cycled = cycler.join();
        assertThat(cycled).isNotNull();
        done += cycled;
      }
      assertThat(done).isEqualTo((long) threads * rounds);
      assertThat(semaphore.available()).isEqualTo(permits);
      assertThat(semaphore.waiting()).isZero();
    }
    assertThat(mostInside.get()).isBetween(1, permits);
  }
}
