package io.permits.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.permits.Lease;
import io.permits.Permit;
import io.permits.tck.Await;
import io.permits.testsupport.Figures;
import io.permits.testsupport.ForkedJvm;
import io.permits.testsupport.RedisServer;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A waiter stopped with SIGSTOP right after a release handed it the permit (a {@link
 * RedisHoldMain} JVM, stopped as soon as it prints "held TOKEN", before it can renew): the
 * permit comes back once its lease expires in Redis, to a holder with a higher token, and when
 * the waiter is continued its own belief has ended too ({@code isHeld()} false): it never
 * outlives the server's expiry. The handed lease runs for one lease in Redis, so the permit is
 * back within that and {@value #SLACK_MILLIS} ms of slack from the hand-over.
 */
@Timeout(90)
class StoppedAfterHandoverTest {

  private static final long LEASE_MILLIS = 2_000;
  private static final long SLACK_MILLIS = 1_000;

  private final RedisServer server = RedisServer.start();

  @AfterEach
  void stopRedis() {
    server.close();
  }

  @Test
  void aWaiterStoppedRightAfterAHandoverBelievesItHoldsNoLongerThanRedisDoes()
      throws Exception {
    try (RedisSemaphore semaphore =
            RedisSemaphore.builder(server.uri())
                .name("stopped")
                .limit(1)
                .lease(Duration.ofMillis(LEASE_MILLIS))
                .build();
        ForkedJvm victim =
            ForkedJvm.start(
                RedisHoldMain.class.getName(),
                List.of("-XX:TieredStopAtLevel=1"),
                server.uri(),
                "stopped",
                "1",
                Long.toString(LEASE_MILLIS))) {
      Lease first = semaphore.acquire();
      Await.waiting(semaphore, 1); // the victim's ticket is queued

      long handedAt = System.nanoTime();
      first.close(); // hands the permit to the victim's ticket
      long handed = Long.parseLong(victim.awaitLineStartingWith("held ").substring(5));
      signal("STOP", victim.process().pid());

      Optional<Permit> next = semaphore.tryAcquire(Duration.ofSeconds(20));
      long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - handedAt);
      Figures.record("redis StoppedAfterHandoverTest: permit taken again %d ms after the"
          + " hand-over to a waiter stopped at once (lease %d ms)", millis, LEASE_MILLIS);
      assertThat(next).as("the permit, once the stopped victim's lease expired").isPresent();
      assertThat(((Lease) next.get()).token()).isGreaterThan(handed);

      signal("CONT", victim.process().pid());
      OutputStream stdin = victim.process().getOutputStream();
      stdin.write("isHeld?\n".getBytes(StandardCharsets.UTF_8));
      stdin.flush();
      assertThat(victim.awaitLineStartingWith("isHeld "))
          .as("the victim's belief once another holder has the permit (token %d, then %d)",
              handed, ((Lease) next.get()).token())
          .isEqualTo("isHeld false");
      next.get().close();
      assertThat(millis)
          .as("ms from the hand-over to the stopped victim (lease %d ms) until the permit was"
              + " taken again: a handed lease runs for one lease", LEASE_MILLIS)
          .isLessThanOrEqualTo(LEASE_MILLIS + SLACK_MILLIS);
    }
  }

  private static void signal(String signal, long pid) throws Exception {
    Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(pid)).start();
    assertThat(kill.waitFor()).as("kill -%s %d", signal, pid).isZero();
  }
}
