package io.permits.file;

import io.permits.Fairness;
import io.permits.stress.StressRun;
import io.permits.stress.StressedSemaphoreFactory;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The randomized stress run of {@code bin/stress} (acquires of every kind racing timeouts,
 * interrupts, cancels, resizes and closes, checked by an outside ledger for the bound and
 * conservation) against {@code FileSemaphore}, with each fairness of its in-process gate.
 * {@code -Dpermits.stress.ops=N} and {@code -Dpermits.stress.seed=S} run it longer or otherwise.
 */
@Timeout(value = 600, unit = TimeUnit.SECONDS)
class FileStressTest {

  private static final long SEED = Long.getLong("permits.stress.seed", 20261125L);

  private static final long OPS = Long.getLong("permits.stress.ops", 100_000L);

  @TempDir Path directory;

  @ParameterizedTest
  @EnumSource(Fairness.class)
  void aStressRunBreaksNoRule(Fairness fairness) {
    StressedSemaphoreFactory files =
        (name, gateFairness, limit, handoffAfter) ->
            FileSemaphore.builder(name)
                .directory(directory)
                .limit(limit)
                .fairness(gateFairness)
                .build();
    StressRun.runAndCheck(OPS, SEED, fairness, files); // fails with the run's summary
  }
}
