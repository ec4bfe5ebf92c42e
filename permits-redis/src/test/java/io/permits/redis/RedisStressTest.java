package io.permits.redis;

import io.permits.Fairness;
import io.permits.stress.StressRun;
import io.permits.stress.StressedSemaphoreFactory;
import io.permits.testsupport.RedisServer;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The randomized stress run of {@code bin/stress} (acquires of every kind racing timeouts,
 * interrupts, cancels, resizes and closes, checked by an outside ledger for the bound and
 * conservation) against {@code RedisSemaphore} — hand-overs, their batches and deferred releases
 * included — with each fairness of its in-process gate. {@code -Dpermits.stress.ops=N} and
 * {@code -Dpermits.stress.seed=S} run it longer or otherwise.
 */
@Timeout(value = 600, unit = TimeUnit.SECONDS)
class RedisStressTest {

  private static final long SEED = Long.getLong("permits.stress.seed", 20261202L);

  private static final long OPS = Long.getLong("permits.stress.ops", 50_000L);

  private final RedisServer server = RedisServer.start();

  @AfterEach
  void stopRedis() {
    server.close();
  }

  @ParameterizedTest
  @EnumSource(Fairness.class)
  void aStressRunBreaksNoRule(Fairness fairness) {
    StressedSemaphoreFactory redis =
        (name, gateFairness, limit, handoffAfter) ->
            RedisSemaphore.builder(server.uri())
                .name(name)
                .limit(limit)
                .changeLimit(true)
                .fairness(gateFairness)
                .build();
    StressRun.runAndCheck(OPS, SEED, fairness, redis); // fails with the run's summary
  }
}
