package io.permits.file;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.permits.Permit;
import io.permits.file.SlotTable.Attempt;
import io.permits.testsupport.ForkedJvm;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Failures and callbacks that must not cost a permit or hang the file's I/O thread. */
@Timeout(60)
class FailureTest {

  @TempDir Path directory;

  @Test
  void aStatusReadThroughASymlinkKeepsThisJvmsLocks() throws Exception {
    Path real = Files.createDirectory(directory.resolve("real"));
    Path link = Files.createSymbolicLink(directory.resolve("link"), real);
    try (FileSemaphore semaphore = FileSemaphore.open(real, "s", 1);
        Permit held = semaphore.acquire()) {
      assertThat(FileSemaphore.status(link, "s").held()).isEqualTo(1);
      try (FileSemaphore viaLink = FileSemaphore.open(link, "s", 1)) {
        assertThat(viaLink.tryAcquire()).isEmpty();
      }
      // a second channel on the file, closed, would have dropped this JVM's locks
      try (ForkedJvm other = ForkedJvm.start(TryMain.class, real.toString(), "s", "1")) {
        other.awaitLine("none");
      }
      assertThat(held.isHeld()).isTrue();
    }
  }

  @Test
  void aCallbackOfAFutureFailedByAShrinkMayUseTheSemaphore() throws Exception {
    try (FileSemaphore a = FileSemaphore.open(directory, "cb", 3);
        FileSemaphore b = FileSemaphore.open(directory, "cb", 3)) {
      Permit all = b.acquire(3);
      CompletableFuture<Permit> polling = a.acquireAsync(1); // waits for b's slots
      CompletableFuture<Integer> seenInCallback = new CompletableFuture<>();
      CompletableFuture<Permit> tooLarge = a.acquireAsync(3); // queued in a's gate
      tooLarge.whenComplete((permit, failure) -> seenInCallback.complete(a.available()));

      b.setLimit(2); // a learns it from the file; its gate then fails the request for 3

      assertThat(seenInCallback.get(20, TimeUnit.SECONDS)).isZero();
      assertThat(tooLarge).isCompletedExceptionally();
      all.close(); // must not hang: the file's I/O thread is free
      polling.get(20, TimeUnit.SECONDS).close();
      assertThat(a.available()).isEqualTo(2);
    }
  }

  @Test
  void aBlockingWaitInterruptedAsAShrinkFailsItThrowsOneOfTheTwo() throws Exception {
    // the interrupt and the shrink race; whichever wins, the caller hears that one, unwrapped
    try (FileSemaphore a = FileSemaphore.open(directory, "race", 8);
        FileSemaphore b = FileSemaphore.open(directory, "race", 8)) {
      for (int round = 0; round < 1000; round++) {
        a.setLimit(8);
        Permit all = b.acquire(8);
        CompletableFuture<Throwable> heard = new CompletableFuture<>();
        Thread waiter =
            Thread.ofPlatform()
                .start(
                    () -> {
                      try (Permit unexpected = a.acquire(6)) {
                        heard.complete(new AssertionError("granted " + unexpected));
                      } catch (Throwable failure) {
                        heard.complete(failure);
                      }
                    });
        awaitWaiting(waiter);
        CyclicBarrier start = new CyclicBarrier(2);
        Thread shrink =
            Thread.ofPlatform()
                .start(
                    () -> {
                      awaitQuietly(start);
                      a.setLimit(4);
                    });
        awaitQuietly(start);
        waiter.interrupt();
        shrink.join();
        assertThat(heard.get(20, TimeUnit.SECONDS))
            .as("round %d", round)
            .isInstanceOfAny(InterruptedException.class, IllegalArgumentException.class);
        waiter.join();
        all.close();
        assertThat(a.available()).as("round %d", round).isEqualTo(4);
      }
    }
  }

  private static void awaitWaiting(Thread thread) throws InterruptedException {
    while (thread.getState() != Thread.State.WAITING) {
      if (Thread.currentThread().isInterrupted()) {
        throw new InterruptedException("while waiting for " + thread.getName() + " to wait");
      }
      Thread.onSpinWait();
      Thread.yield();
    }
  }

  private static void awaitQuietly(CyclicBarrier barrier) {
    try {
      barrier.await();
    } catch (InterruptedException | java.util.concurrent.BrokenBarrierException e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void aGrantWhoseRecordCannotBeWrittenHoldsNothing() throws Exception {
    Path file = directory.resolve("full.permits");
    try (FailingChannel channel =
        new FailingChannel(
            FileChannel.open(
                file,
                StandardOpenOption.CREATE,
                StandardOpenOption.READ,
                StandardOpenOption.WRITE))) {
      SlotTable table = new SlotTable(channel, file);
      table.open("full", 2, false, false);
      SlotRecord request =
          new SlotRecord(false, 2, 1, 1, Instant.now(), 0, 1, "host", "thread", "command");

      channel.failWrites = true;
      assertThatThrownBy(() -> table.tryGrant(2, request, -1, true))
          .isInstanceOf(IOException.class);
      assertThat(table.heldHere()).as("slots kept after the failed grant").isZero();
      assertThatThrownBy(() -> table.tryGrant(2, request, -1, true))
          .isInstanceOf(IOException.class);

      channel.failWrites = false;
      Attempt granted = table.tryGrant(2, request, -1, true);
      assertThat(granted.granted()).isTrue();
      assertThat(table.counts().held()).isEqualTo(2);
      table.release(granted.slots());
      assertThat(table.counts().held()).isZero();
    }
  }
}
