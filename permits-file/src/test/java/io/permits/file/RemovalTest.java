package io.permits.file;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.permits.Permit;
import io.permits.SemaphoreClosedException;
import io.permits.file.SlotLayout.Removal;
import io.permits.tck.Await;
import io.permits.testsupport.ForkedJvm;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code removeWhenUnused(true)}: the file goes with its last user, and never splits a semaphore. */
@Timeout(120)
@SuppressWarnings("try") // semaphores and permits held open by try blocks that do not use them
class RemovalTest {

  @TempDir Path directory;

  private FileSemaphore removable(String name, int limit) {
    return FileSemaphore.builder(name)
        .directory(directory)
        .limit(limit)
        .removeWhenUnused(true)
        .build();
  }

  private Path fileOf(String name) {
    return directory.resolve(name + ".permits");
  }

  // ---- in this JVM

  @Test
  void theLastSemaphoreOnTheFileToCloseRemovesIt() {
    FileSemaphore first = removable("exports.acme", 2);
    FileSemaphore second = removable("exports.acme", 2);
    assertThat(fileOf("exports.acme")).exists();

    first.close();
    assertThat(fileOf("exports.acme")).as("still open by the second").exists();
    second.close();

    assertThat(fileOf("exports.acme")).doesNotExist();
    assertThatThrownBy(() -> FileSemaphore.status(directory, "exports.acme"))
        .isInstanceOf(NoSuchSemaphoreException.class);
    assertThat(FileSemaphore.statusAll(directory)).isEmpty();
  }

  @Test
  void aPermitThatOutlivesItsSemaphoreKeepsTheFileUntilItCloses() {
    FileSemaphore semaphore = removable("held", 2);
    Permit permit = semaphore.tryAcquire().orElseThrow();
    semaphore.close();
    assertThat(fileOf("held")).exists();
    assertThat(FileSemaphore.status(directory, "held").held()).isEqualTo(1);

    permit.close();

    assertThat(fileOf("held")).doesNotExist();
  }

  @Test
  void aWaiterKeepsTheFileUntilItsRequestIsWithdrawn() throws Exception {
    FileSemaphore semaphore = removable("waited", 1);
    Permit permit = semaphore.acquire();
    CompletableFuture<Permit> waiter = semaphore.acquireAsync();
    Await.waiting(semaphore, 1);
    permit.close(); // the waiter is granted: it holds the file now
    Permit granted = waiter.join();
    semaphore.close();
    assertThat(fileOf("waited")).exists();

    granted.close();
    assertThat(fileOf("waited")).doesNotExist();

    // a waiter failed by close gives its use back when withdrawn, a moment after close returns
    FileSemaphore again = removable("waited", 1);
    Permit blocking = again.acquire();
    CompletableFuture<Permit> failed = again.acquireAsync();
    Await.waiting(again, 1);
    again.close();
    assertThatThrownBy(failed::join).hasCauseInstanceOf(SemaphoreClosedException.class);
    blocking.close();
    Await.until(
        () -> !Files.exists(fileOf("waited")), () -> "the file of 'waited' was never removed");
  }

  @Test
  void aClosedSemaphoreReadsWithoutCreatingTheFileAgain() {
    FileSemaphore semaphore = removable("gone", 3);
    semaphore.close();
    assertThat(fileOf("gone")).doesNotExist();

    assertThat(semaphore.limit()).isEqualTo(3);
    assertThat(semaphore.available()).isEqualTo(3);
    assertThat(semaphore.waiting()).isZero();
    assertThat(semaphore.holders()).isEmpty();
    assertThat(semaphore.stats().held()).isZero();
    assertThat(semaphore.toString()).contains("gone");
    assertThatThrownBy(semaphore::tryAcquire).isInstanceOf(SemaphoreClosedException.class);
    assertThat(semaphore.acquireAsync()).isCompletedExceptionally();
    assertThatThrownBy(() -> semaphore.setLimit(4)).isInstanceOf(NoSuchSemaphoreException.class);

    assertThat(fileOf("gone")).doesNotExist();
  }

  @Test
  void theNextOpenCreatesTheFileAgainWithTheLimitItAsks() {
    removable("again", 2).close();
    try (FileSemaphore later = removable("again", 5)) {
      assertThat(later.limit()).isEqualTo(5);
      assertThat(later.available()).isEqualTo(5);
    }
    assertThat(fileOf("again")).doesNotExist();
  }

  @Test
  void withoutTheOptionTheFileStays() throws Exception {
    FileSemaphore.open(directory, "kept", 2).close();
    assertThat(fileOf("kept")).exists();
    assertThat(FileSemaphore.status(directory, "kept").limit()).isEqualTo(2);
    assertThat(fileOf("kept")).as("a status read removes nothing not asked for").exists();
    try (FileSemaphore semaphore = FileSemaphore.open(directory, "kept", 2);
        Permit permit = semaphore.acquire()) {
      assertThat(semaphore.available()).isEqualTo(1);
    }
    assertThat(fileOf("kept")).exists();
  }

  @Test
  void theRequestIsRecordedInTheFileForWhoeverClosesLast() {
    FileSemaphore asking = removable("mixed", 2);
    FileSemaphore notAsking = FileSemaphore.open(directory, "mixed", 2);
    asking.close();
    assertThat(fileOf("mixed")).exists();

    notAsking.close();

    assertThat(fileOf("mixed")).doesNotExist();
  }

  @Test
  void aStatusReadNeitherCreatesNorKeepsTheFile() throws Exception {
    assertThatThrownBy(() -> FileSemaphore.status(directory, "never"))
        .isInstanceOf(NoSuchSemaphoreException.class);
    assertThat(fileOf("never")).doesNotExist();

    try (FileSemaphore semaphore = removable("read", 2);
        Permit permit = semaphore.acquire()) {
      assertThat(FileSemaphore.status(directory, "read").held()).isEqualTo(1);
      assertThat(FileSemaphore.statusAll(directory)).hasSize(1);
    }
    assertThat(fileOf("read")).doesNotExist();
  }

  // ---- a removal left half done

  @Test
  void aFileLeftMarkedByARemoverThatDiedIsRemovedByTheNextOpen() throws Exception {
    FileSemaphore.open(directory, "died", 3).close(); // a file that stays
    Path file = fileOf("died");
    Object key = Files.readAttributes(file, BasicFileAttributes.class).fileKey();
    mark(file, new Removal(String.valueOf(key))); // as a remover killed before it unlinked

    // with another limit than the old file's: the open finished the removal and made a new file
    try (FileSemaphore semaphore = removable("died", 2);
        Permit permit = semaphore.acquire()) {
      assertThat(semaphore.limit()).isEqualTo(2);
      assertThat(semaphore.available()).isEqualTo(1);
    }
    assertThat(file).doesNotExist();
  }

  @Test
  void aMarkNamingAnotherFileFailsTheOpenClearly() throws Exception {
    FileSemaphore.open(directory, "copied", 1).close();
    Path file = fileOf("copied").toRealPath();
    mark(file, new Removal("(dev=0,ino=0)")); // a marked file copied here: not this file's key

    assertThatThrownBy(() -> removable("copied", 1))
        .isInstanceOf(UncheckedIOException.class)
        .hasMessageContaining(file.toString())
        .hasMessageContaining("marked as removed");
    assertThatThrownBy(() -> FileSemaphore.status(directory, "copied"))
        .isInstanceOf(UncheckedIOException.class);
    assertThat(file).as("left for a person to look at").exists();
  }

  // ---- other processes

  @Test
  void anotherProcessWithTheFileOpenKeepsItUntilItCloses() throws Exception {
    try (ForkedJvm other =
        ForkedJvm.start(UseMain.class, directory.toString(), "open", "2", "0", "false")) {
      other.awaitLine("open");
      removable("open", 2).close(); // records the request; the other process has it open

      assertThat(fileOf("open")).exists();
      assertThat(FileSemaphore.status(directory, "open").limit()).isEqualTo(2);
      assertThat(fileOf("open")).as("a status read while in use").exists();

      tell(other, "close");
      other.awaitLine("closed"); // the other process let go last: it removed the file
      assertThat(fileOf("open")).doesNotExist();
    }
  }

  @Test
  void aHolderInAnotherProcessKeepsTheFileUntilItExits() throws Exception {
    FileSemaphore semaphore = removable("exit", 2);
    try (ForkedJvm holder =
        ForkedJvm.start(HoldMain.class, directory.toString(), "exit", "2", "1")) {
      holder.awaitLine("held");
      semaphore.close();
      assertThat(fileOf("exit")).exists();
      assertThat(FileSemaphore.status(directory, "exit").held()).isEqualTo(1);

      holder.process().getOutputStream().close(); // HoldMain lets go and exits
      assertThat(holder.awaitExit()).isZero();

      assertThat(fileOf("exit")).doesNotExist();
    }
  }

  @Test
  void aLastUserKilledLeavesTheFileAndTheNextOpenAndCloseRemovesIt() throws Exception {
    try (ForkedJvm user =
        ForkedJvm.start(UseMain.class, directory.toString(), "killed", "2", "1", "true")) {
      user.awaitLine("open");
      user.kill();
    }
    assertThat(fileOf("killed")).as("nobody was left to remove it").exists();

    try (FileSemaphore semaphore = FileSemaphore.open(directory, "killed", 2)) {
      assertThat(semaphore.available()).as("the dead holder's permit is back").isEqualTo(2);
    }
    assertThat(fileOf("killed")).doesNotExist();
  }

  @Test
  void aLastUserKilledLeavesTheFileAndAStatusReadRemovesIt() throws Exception {
    try (ForkedJvm user =
        ForkedJvm.start(UseMain.class, directory.toString(), "read", "3", "2", "true")) {
      user.awaitLine("open");
      user.kill();
    }
    assertThat(fileOf("read")).exists();

    FileSemaphoreStatus status = FileSemaphore.status(directory, "read");

    assertThat(status.limit()).isEqualTo(3);
    assertThat(status.holders()).isEmpty();
    assertThat(fileOf("read")).doesNotExist();
  }

  /**
   * Two processes each open the semaphore, try for its one permit, and close it, 1,500 times,
   * so that one keeps removing the file as the other opens it. Each checks, while it holds the
   * permit, that the holders counted across both stay within the limit and that the file it holds
   * is the one the path names: a process holding a removed file is what a split looks like.
   */
  @Test
  void removalRacingOpensInAnotherProcessNeverSplitsTheSemaphore() throws Exception {
    Path counter = Files.write(directory.resolve("counter"), new byte[Integer.BYTES]);
    String[] args = {directory.toString(), "race", "1", "1500", counter.toString()};
    try (ForkedJvm a = ForkedJvm.start(ChurnMain.class, args);
        ForkedJvm b = ForkedJvm.start(ChurnMain.class, args)) {
      a.awaitLine("ready");
      b.awaitLine("ready");
      tell(a, "go");
      tell(b, "go");

      String doneA = a.awaitLineStartingWith("done");
      String doneB = b.awaitLineStartingWith("done");

      assertThat(a.awaitExit()).as("a: %s", a.linesSeen()).isZero();
      assertThat(b.awaitExit()).as("b: %s", b.linesSeen()).isZero();
      int granted = granted(doneA) + granted(doneB);
      assertThat(granted).as("permits granted in 3,000 tries").isPositive();
    }
    assertThat(fileOf("race")).doesNotExist();
  }

  // ---- helpers

  private static int granted(String done) {
    return Integer.parseInt(done.split(" ")[2]);
  }

  private static void tell(ForkedJvm jvm, String line) throws Exception {
    var stdin = jvm.process().getOutputStream();
    stdin.write((line + "\n").getBytes(StandardCharsets.UTF_8));
    stdin.flush();
  }

  /** Writes a removal mark into a file no process has open (this JVM included). */
  private static void mark(Path file, Removal removal) throws Exception {
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
      ByteBuffer bytes = removal.encode();
      while (bytes.hasRemaining()) {
        channel.write(bytes, SlotLayout.REMOVAL_MARK + bytes.position());
      }
    }
  }

}
