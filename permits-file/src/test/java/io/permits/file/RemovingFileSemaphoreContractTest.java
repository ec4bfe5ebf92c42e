package io.permits.file;

import io.permits.Fairness;
import io.permits.Semaphore;
import io.permits.tck.Await;
import io.permits.tck.SemaphoreContract;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole contract again with {@code removeWhenUnused(true)}: each semaphore's file is removed
 * as its last use ends, so the reads after close and the permits that outlive their semaphore run
 * against a file that may be gone. The conservation check closes every permit and semaphore after
 * each test, so no file may be left at the end.
 */
@DisplayName("FileSemaphore, STRICT in the JVM, removed when unused")
class RemovingFileSemaphoreContractTest extends SemaphoreContract {

  @TempDir static Path directory;

  @Override
  protected Semaphore newSemaphore(String name, int limit) {
    return FileSemaphore.builder(name)
        .directory(directory)
        .limit(limit)
        .fairness(Fairness.STRICT)
        .removeWhenUnused(true)
        .build();
  }

  @Override
  public boolean strictOrder() {
    return true;
  }

  /** Each grant and release is a file operation of some microseconds. */
  @Override
  public double loadScale() {
    return 0.1;
  }

  /**
   * Every semaphore and permit is closed: no file is left (a request failed by a close is
   * withdrawn a moment after, hence the wait).
   */
  @AfterAll
  static void noFileIsLeftBehind() throws InterruptedException {
    Await.until(
        () -> SemaphoreFiles.names(directory).isEmpty(),
        () -> "files left behind: " + SemaphoreFiles.names(directory));
  }
}
