package io.permits.file;

import io.permits.Fairness;
import io.permits.Semaphore;
import io.permits.tck.SemaphoreContract;
import java.nio.file.Path;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.io.TempDir;

@DisplayName("FileSemaphore, STRICT in the JVM")
class FileSemaphoreContractTest extends SemaphoreContract {

  @TempDir static Path directory;

  @Override
  protected Semaphore newSemaphore(String name, int limit) {
    return FileSemaphore.builder(name)
        .directory(directory)
        .limit(limit)
        .fairness(Fairness.STRICT)
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
}
