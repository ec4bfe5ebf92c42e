package io.permits.file;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.permits.SemaphoreClosedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Names, directories and the recorded limit. */
class OpeningTest {

  @TempDir Path directory;

  @ParameterizedTest
  @ValueSource(strings = {"../x", "a/b", "", ".hidden", "-x", "..", "a b", "tab\t", "é"})
  void aBadNameIsRefusedNamingIt(String name) {
    assertThatThrownBy(() -> FileSemaphore.open(directory, name, 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'" + name + "'");
  }

  @Test
  void aTooLongNameIsRefused() {
    String name = "n".repeat(129);
    assertThatThrownBy(() -> FileSemaphore.open(directory, name, 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("1 to 128");
  }

  @Test
  void aLimitOtherThanTheRecordedOneFailsNamingBoth() {
    try (FileSemaphore first = FileSemaphore.open(directory, "jobs", 2)) {
      assertThatThrownBy(() -> FileSemaphore.open(directory, "jobs", 3))
          .isInstanceOfSatisfying(
              LimitMismatchException.class,
              mismatch -> {
                assertThat(mismatch.recorded()).isEqualTo(2);
                assertThat(mismatch.requested()).isEqualTo(3);
              })
          .hasMessageContaining("has limit 2, not 3");
      assertThat(first.limit()).isEqualTo(2);
    }
  }

  @Test
  void askingToChangeTheLimitChangesItForEveryone() {
    try (FileSemaphore first = FileSemaphore.open(directory, "jobs", 2);
        FileSemaphore second =
            FileSemaphore.builder("jobs").directory(directory).limit(5).changeLimit(true).build()) {
      assertThat(second.limit()).isEqualTo(5);
      assertThat(first.limit()).isEqualTo(5);
      assertThat(first.available()).isEqualTo(5);
    }
  }

  @Test
  void theLimitOutlivesTheProcessesThatUseIt() {
    FileSemaphore.open(directory, "kept", 4).close();
    assertThatThrownBy(() -> FileSemaphore.open(directory, "kept", 1))
        .isInstanceOf(LimitMismatchException.class);
    assertThat(FileSemaphore.status(directory, "kept").limit()).isEqualTo(4);
  }

  @Test
  void aBadLimitIsRefusedNamingIt() {
    assertThatThrownBy(() -> FileSemaphore.open(directory, "x", 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("was 0");
    assertThatThrownBy(() -> FileSemaphore.open(directory, "x", 65_537))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("was 65537");
    assertThatThrownBy(() -> FileSemaphore.builder("x").directory(directory).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("limit");
  }

  @Test
  @SuppressWarnings("try") // the semaphore is open, not used
  void aNewDirectoryAndFileAreTheOwnersOnly() throws Exception {
    Path fresh = directory.resolve("new").resolve("permits");
    try (FileSemaphore semaphore = FileSemaphore.open(fresh, "private", 1)) {
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(fresh)))
          .isEqualTo("rwx------");
      assertThat(
              PosixFilePermissions.toString(
                  Files.getPosixFilePermissions(fresh.resolve("private.permits"))))
          .isEqualTo("rw-------");
    }
  }

  @Test
  void statusOfAMissingSemaphoreSaysSo() {
    assertThatThrownBy(() -> FileSemaphore.status(directory, "nothing"))
        .isInstanceOf(NoSuchSemaphoreException.class)
        .hasMessageContaining("'nothing'");
    assertThat(FileSemaphore.statusAll(directory.resolve("missing"))).isEmpty();
  }

  @Test
  void aClosedSemaphoreNeverCreatesItsFileAgain() throws Exception {
    FileSemaphore semaphore = FileSemaphore.open(directory, "closed", 2);
    semaphore.close();
    Path file = directory.resolve("closed.permits");
    Files.delete(file);

    assertThat(semaphore.available()).isEqualTo(2);
    assertThat(semaphore.holders()).isEmpty();
    assertThatThrownBy(semaphore::tryAcquire).isInstanceOf(SemaphoreClosedException.class);
    assertThat(semaphore.acquireAsync()).isCompletedExceptionally();
    assertThatThrownBy(() -> FileSemaphore.status(directory, "closed"))
        .isInstanceOf(NoSuchSemaphoreException.class);
    assertThat(file).doesNotExist();
  }

  @Test
  void theDefaultDirectoryIsPerUser() {
    assertThat(FileSemaphore.defaultDirectory().toString())
        .satisfiesAnyOf(
            path -> assertThat(path).endsWith("/permits"),
            path -> assertThat(path).contains("permits-" + System.getProperty("user.name")));
  }
}
