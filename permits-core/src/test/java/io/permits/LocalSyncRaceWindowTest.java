package io.permits;

import static io.permits.Waits.awaitTrue;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.reflect.Field;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantLock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Pins the narrow windows of {@link LocalSync} open by holding the engine's own lock, so that
 * each race is played out in one chosen order rather than hoped for: a thread that must take
 * the lock next is seen queued on it ({@link ReentrantLock#hasQueuedThread}), then the test
 * acts (reentrantly, from inside the lock) and lets go.
 *
 * <p>White-box: the lock is read by reflection from the private fields {@code
 * LocalSemaphore.sync} and {@code LocalSync.lock}. These are the races the TCK can only hit by
 * chance (its race tests run many rounds); here each one is hit every time.
 */
@Timeout(30)
class LocalSyncRaceWindowTest {

  @Test
  void anInterruptThatLosesToAGrantReturnsThePermitAndKeepsTheInterruptFlag() throws Exception {
    LocalSemaphore semaphore = LocalSemaphore.builder().limit(1).fairness(Fairness.STRICT).build();
    Permit holder = semaphore.acquire();
    Outcome<Permit> waiter = Outcome.start(semaphore::acquire);
    awaitTrue(() -> semaphore.waiting() == 1);

    ReentrantLock lock = engineLock(semaphore);
    lock.lock();
    try {
      waiter.thread.interrupt(); // the waiter wakes, sees the interrupt, and must take the lock
      awaitTrue(() -> lock.hasQueuedThread(waiter.thread));
      holder.close(); // the grant is decided first, under the lock
    } finally {
      lock.unlock();
    }
    waiter.thread.join();

    assertThat(waiter.failure).as("the waiter threw").isNull();
    assertThat(waiter.value.isHeld()).isTrue();
    assertThat(waiter.interruptedAfter)
        .as("the interrupt that lost the race is kept for the caller")
        .isTrue();
    waiter.value.close();
    assertThat(semaphore.available()).isEqualTo(1);
    assertThat(semaphore.stats().cancellations()).isZero();
  }

  @Test
  void aTimeoutThatLosesToAGrantReturnsThePermit() throws Exception {
    // The waiter must still be queued when the test takes the lock; if its time ran out before
    // that, the attempt proves nothing and is made again with a longer timeout.
    for (long millis = 20; millis <= 20_000; millis *= 4) {
      if (timeoutLosesToAGrant(Duration.ofMillis(millis))) {
        return;
      }
    }
    throw new AssertionError("the timed request always left before the test could take the lock");
  }

  private static boolean timeoutLosesToAGrant(Duration timeout) throws Exception {
    LocalSemaphore semaphore = LocalSemaphore.builder().limit(1).fairness(Fairness.STRICT).build();
    Permit holder = semaphore.acquire();
    Outcome<Optional<Permit>> waiter = Outcome.start(() -> semaphore.tryAcquire(1, timeout));
    awaitTrue(() -> semaphore.waiting() == 1 || !waiter.thread.isAlive());

    ReentrantLock lock = engineLock(semaphore);
    lock.lock();
    try {
      if (semaphore.waiting() == 0) { // it left already: the time ran out too soon
        lock.unlock();
        waiter.thread.join();
        assertThat(waiter.value).isEmpty();
        holder.close();
        return false;
      }
      // still queued, and it cannot leave without the lock: its time runs out, it waits here
      awaitTrue(() -> lock.hasQueuedThread(waiter.thread));
      holder.close(); // the grant is decided first, under the lock
    } finally {
      if (lock.isHeldByCurrentThread()) {
        lock.unlock();
      }
    }
    waiter.thread.join();

    assertThat(waiter.failure).as("the waiter threw").isNull();
    assertThat(waiter.value).as("a grant decided before the timeout took effect").isPresent();
    assertThat(waiter.value.get().isHeld()).isTrue();
    assertThat(semaphore.stats().timeouts()).isZero();
    waiter.value.get().close();
    assertThat(semaphore.available()).isEqualTo(1);
    assertThat(semaphore.waiting()).isZero();
    return true;
  }

  @Test
  void aBargingNewcomerThatFindsAPermitFreedWhileItWaitedForTheLockTakesItAheadOfTheQueue()
      throws Exception {
    LocalSemaphore semaphore =
        LocalSemaphore.builder().limit(3).fairness(Fairness.BARGING).build();
    Permit two = semaphore.acquire(2);
    Permit one = semaphore.acquire();
    CompletableFuture<Permit> large = semaphore.acquireAsync(2); // queued: nothing free
    assertThat(semaphore.waiting()).isEqualTo(1);

    ReentrantLock lock = engineLock(semaphore);
    Outcome<Permit> newcomer;
    lock.lock();
    try {
      newcomer = Outcome.start(semaphore::acquire); // nothing free: it goes for the queue's lock
      awaitTrue(() -> lock.hasQueuedThread(newcomer.thread));
      one.close(); // one permit free; the head needs two, so it stays free
    } finally {
      lock.unlock();
    }
    awaitTrue(() -> !newcomer.thread.isAlive() || semaphore.waiting() == 2);

    assertThat(semaphore.waiting())
        .as("a barging newcomer queued behind a head that cannot use the free permit")
        .isEqualTo(1);
    newcomer.thread.join();
    assertThat(newcomer.failure).isNull();
    assertThat(newcomer.value.permits()).isEqualTo(1);
    assertThat(semaphore.available()).as("free after the newcomer took the freed permit").isZero();
    assertThat(large).isNotDone();

    newcomer.value.close();
    two.close();
    large.join().close();
    assertThat(semaphore.available()).isEqualTo(3);
  }

  @Test
  void aStrictNewcomerThatFindsAPermitFreedWhileItWaitedForTheLockQueuesBehindTheHead()
      throws Exception {
    LocalSemaphore semaphore = LocalSemaphore.builder().limit(3).fairness(Fairness.STRICT).build();
    Permit one = semaphore.acquire();
    Permit two = semaphore.acquire(2);
    CompletableFuture<Permit> large = semaphore.acquireAsync(3); // queued; handoff in force

    ReentrantLock lock = engineLock(semaphore);
    Outcome<Permit> newcomer;
    Outcome<Void> releaser;
    lock.lock();
    try {
      newcomer = Outcome.start(semaphore::acquire);
      awaitTrue(() -> lock.hasQueuedThread(newcomer.thread));
      releaser =
          Outcome.start(
              () -> {
                one.close(); // frees a permit, then must take the lock to hand it to the head
                return null;
              });
      awaitTrue(() -> lock.hasQueuedThread(releaser.thread));
    } finally {
      lock.unlock(); // the newcomer, queued first, takes the lock while the permit is free
    }
    releaser.thread.join();
    awaitTrue(() -> !newcomer.thread.isAlive() || semaphore.waiting() == 2);

    assertThat(semaphore.waiting()).as("the newcomer queued behind the head").isEqualTo(2);
    assertThat(newcomer.thread.isAlive()).isTrue();
    two.close();
    large.join().close();
    newcomer.thread.join();
    assertThat(newcomer.failure).isNull();
    newcomer.value.close();
    assertThat(semaphore.available()).isEqualTo(3);
  }

  @Test
  void aCancelAfterTheGrantWasDecidedButBeforeTheFutureWasCompletedLosesToTheGrant()
      throws Exception {
    // A release made inside a dependent action of a future runs on the completing thread's
    // trampoline: the grant it decides is delivered only after the action returns. A cancel
    // made inside the action, in between, must find the grant and deliver it (Lincheck found
    // the earlier order, where the cancel won, not linearizable).
    LocalSemaphore semaphore = LocalSemaphore.builder().limit(1).fairness(Fairness.STRICT).build();
    Permit holder = semaphore.acquire();
    CompletableFuture<Permit> first = semaphore.acquireAsync();
    CompletableFuture<Permit> second = semaphore.acquireAsync();
    AtomicBoolean cancelled = new AtomicBoolean(true);
    AtomicBoolean secondDoneInside = new AtomicBoolean();
    CompletableFuture<Void> action =
        first.thenAccept(
            permit -> {
              permit.close(); // grants the second request, under the lock; not yet delivered
              cancelled.set(second.cancel(false));
              secondDoneInside.set(second.isDone());
            });

    holder.close(); // grants the first request; its dependent action runs on this thread

    action.join();
    assertThat(cancelled).as("cancel() after the grant was decided").isFalse();
    assertThat(secondDoneInside).as("the cancel delivered the grant first").isTrue();
    Permit granted = second.join();
    assertThat(granted.isHeld()).isTrue();
    assertThat(semaphore.available()).isZero();
    assertThat(semaphore.waiting()).isZero();
    assertThat(semaphore.stats().grants()).as("each request granted once").isEqualTo(3);
    assertThat(semaphore.stats().cancellations()).isZero();
    granted.close();
    assertThat(semaphore.available()).isEqualTo(1);
  }

  @Test
  void aBargingHeadThatTookAPermitBeforeACloseFailedItKeepsThePermit() throws Exception {
    LocalSemaphore semaphore =
        LocalSemaphore.builder().limit(1).fairness(Fairness.BARGING).build();
    Permit held = semaphore.acquire();
    Outcome<Permit> head = Outcome.start(semaphore::acquire);
    awaitTrue(() -> semaphore.waiting() == 1);

    ReentrantLock lock = engineLock(semaphore);
    lock.lock();
    try {
      held.close(); // left free; the head is signalled, takes it by CAS, then needs the lock
      awaitTrue(() -> lock.hasQueuedThread(head.thread));
      semaphore.close(); // (reentrant) fails the queued node whose permit is already taken
    } finally {
      lock.unlock();
    }
    head.thread.join();

    assertThat(head.failure).as("the head took its permit before the close").isNull();
    assertThat(head.value.isHeld()).isTrue();
    assertThat(semaphore.waiting()).isZero();
    assertThat(semaphore.available()).isZero();
    head.value.close();
    assertThat(semaphore.available()).isEqualTo(1);
  }

  @Test
  void aBargingHeadGrantedUnderTheLockAfterItTookAPermitGivesItsOwnBack() throws Exception {
    LocalSemaphore semaphore =
        LocalSemaphore.builder().limit(2).fairness(Fairness.BARGING).build();
    Permit held = semaphore.acquire(2);
    Outcome<Permit> head = Outcome.start(semaphore::acquire);
    awaitTrue(() -> semaphore.waiting() == 1);

    ReentrantLock lock = engineLock(semaphore);
    lock.lock();
    try {
      held.close(); // two free; the head takes one by CAS, then needs the lock to leave
      awaitTrue(() -> lock.hasQueuedThread(head.thread));
      semaphore.setLimit(2); // (reentrant) a distribution: grants the still-queued head the other
    } finally {
      lock.unlock();
    }
    head.thread.join();

    assertThat(head.failure).isNull();
    assertThat(head.value.permits()).isEqualTo(1);
    assertThat(semaphore.available())
        .as("one permit held by the head, whichever way it got it; the other free")
        .isEqualTo(1);
    assertThat(semaphore.stats().grants())
        .as("the first holder's grant and the head's, the head's counted once")
        .isEqualTo(2);
    head.value.close();
    assertThat(semaphore.available()).isEqualTo(2);
    assertThat(semaphore.waiting()).isZero();
  }

  @Test
  void aBoundedHeadThatTookItsPermitsBeforeAHandoffSetSomeAsideReturnsTheSetAsidePermits()
      throws Exception {
    Duration bound = Duration.ofMillis(20);
    LocalSemaphore semaphore =
        LocalSemaphore.builder().limit(3).fairness(Fairness.BOUNDED).handoffAfter(bound).build();
    Permit held = semaphore.acquire(3);
    Outcome<Permit> head = Outcome.start(() -> semaphore.acquire(2));
    awaitTrue(() -> semaphore.waiting() == 1);
    long queuedBy = System.nanoTime(); // the node's own timestamp is earlier

    ReentrantLock lock = engineLock(semaphore);
    lock.lock();
    try {
      held.close(); // three free, no handoff yet: the head is signalled and takes two by CAS
      awaitTrue(() -> lock.hasQueuedThread(head.thread));
      // The behaviour under test depends on time: the head must be overdue for the handoff.
      awaitTrue(() -> System.nanoTime() - queuedBy > bound.toNanos());
      // (Reentrant) a distribution finds the still-queued head overdue and short of permits
      // (one free, two needed): it starts a handoff and sets the free one aside for the head.
      semaphore.setLimit(3);
    } finally {
      lock.unlock();
    }
    head.thread.join();

    assertThat(head.failure).isNull();
    assertThat(head.value.permits()).isEqualTo(2);
    assertThat(semaphore.available()).as("the permit set aside is free again").isEqualTo(1);
    assertThat(semaphore.stats().held()).as("no permit is still booked to the head").isEqualTo(2);
    head.value.close();
    assertThat(semaphore.available()).isEqualTo(3);
    assertThat(semaphore.stats().held()).isZero();
    assertThat(semaphore.waiting()).isZero();
  }

  @Test
  void aTryAcquireThatAShrinkMadeImpossibleAfterItsFirstCheckIsRefusedAsTooLarge()
      throws Exception {
    // The window between LocalSemaphore.tryAcquire's check of the limit and the engine's answer
    // is held open by a listener: the engine reports the rejection (synchronously, on the
    // caller's thread) before tryAcquire returns, and the listener shrinks the limit there.
    AtomicReference<LocalSemaphore> self = new AtomicReference<>();
    SemaphoreListener shrinking =
        new SemaphoreListener() {
          @Override
          public void rejected(String semaphore, int permits) {
            self.get().setLimit(1);
          }
        };
    LocalSemaphore semaphore = LocalSemaphore.builder().limit(2).listener(shrinking).build();
    self.set(semaphore);
    Permit held = semaphore.acquire(1);

    assertThatThrownBy(() -> semaphore.tryAcquire(2))
        .as("refused by the limit now in force, not answered \"none free\"")
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("must not exceed the limit 1");
    held.close();
    assertThat(semaphore.available()).isEqualTo(1);
  }

  // ---------------------------------------------------------------- helpers

  /** The engine's lock, read by reflection. */
  static ReentrantLock engineLock(LocalSemaphore semaphore) throws ReflectiveOperationException {
    Field sync = LocalSemaphore.class.getDeclaredField("sync");
    sync.setAccessible(true);
    Field lock = LocalSync.class.getDeclaredField("lock");
    lock.setAccessible(true);
    return (ReentrantLock) lock.get(sync.get(semaphore));
  }

  /** An action run on a platform thread of its own, and how it ended. */
  static final class Outcome<T> {
    interface Action<T> {
      T run() throws Exception;
    }

    final Thread thread;
    volatile T value;
    volatile Throwable failure;
    volatile boolean interruptedAfter;

    private Outcome(Action<T> action) {
      thread =
          Thread.ofPlatform()
              .daemon()
              .unstarted(
                  () -> {
                    try {
                      value = action.run();
                    } catch (Throwable t) {
                      failure = t;
                    }
                    interruptedAfter = Thread.currentThread().isInterrupted();
                  });
    }

    static <T> Outcome<T> start(Action<T> action) {
      Outcome<T> outcome = new Outcome<>(action);
      outcome.thread.start();
      return outcome;
    }
  }
}
