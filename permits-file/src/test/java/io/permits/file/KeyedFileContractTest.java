package io.permits.file;

import io.permits.Fairness;
import io.permits.KeyedSemaphore;
import io.permits.Semaphore;
import io.permits.tck.Await;
import io.permits.tck.OneKey;
import io.permits.tck.SemaphoreContract;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.io.TempDir;

/**
 * The contract run against one key of a keyed semaphore whose key and total are files, removed
 * when unused.
 */
@DisplayName("KeyedSemaphore on files, one key and the total, STRICT")
class KeyedFileContractTest extends SemaphoreContract {

  @TempDir static Path directory;

  @Override
  protected Semaphore newSemaphore(String name, int limit) {
    return OneKey.of(
        KeyedSemaphore.builder()
            .name(name)
            .perKeyLimit(limit)
            .limit(limit)
            .backend(
                (semaphore, permits) ->
                    FileSemaphore.builder(semaphore)
                        .directory(directory)
                        .limit(permits)
                        .changeLimit(true)
                        .fairness(Fairness.STRICT)
                        .removeWhenUnused(true)
                        .build())
            .build());
  }

  @Override
  public boolean strictOrder() {
    return true;
  }

  /** Idle keys leave no files: once every test's semaphores and permits are closed, none is left. */
  @AfterAll
  static void noFileIsLeftBehind() throws InterruptedException {
    Await.until(
        () -> SemaphoreFiles.names(directory).isEmpty(),
        () -> "files left behind: " + SemaphoreFiles.names(directory));
  }

  /** Each grant and release is two file operations (the key's and the total's). */
  @Override
  public double loadScale() {
    return 0.05;
  }
}
