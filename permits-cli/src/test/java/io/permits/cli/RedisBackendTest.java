package io.permits.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.permits.Lease;
import io.permits.redis.RedisSemaphore;
import io.permits.testsupport.RedisServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@code permits run} and {@code permits status} with {@code --backend redis://…}. */
@Timeout(60)
class RedisBackendTest {

  private static RedisServer server;

  @BeforeAll
  static void startRedis() {
    server = RedisServer.start();
  }

  @AfterAll
  static void stopRedis() {
    server.close();
  }

  @Test
  void runPassesTheExitCodeThroughAndTimesOutWhileAnotherClientHolds() throws Exception {
    CommandRun seven =
        CommandRun.of(
            "run", "--backend", server.uri(), "--name", "r", "--limit", "1", "--",
            "sh", "-c", "exit 7");
    assertThat(seven.exitCode()).isEqualTo(7);

    try (RedisSemaphore other =
            RedisSemaphore.builder(server.uri()).name("r").limit(1).command("other job").build();
        Lease held = other.acquire()) {
      CommandRun timedOut =
          CommandRun.of(
              "run", "--backend", server.uri(), "--name", "r", "--limit", "1",
              "--timeout", "100ms", "--", "true");
      assertThat(timedOut.exitCode()).isEqualTo(75);
      assertThat(timedOut.err())
          .contains("timed out after 100ms")
          .contains("held by pid " + ProcessHandle.current().pid() + " (other job)");

      CommandRun status = CommandRun.of("status", "--backend", server.uri());
      assertThat(status.exitCode()).isZero();
      assertThat(status.outLines()).contains("r  limit 1  held 1  waiting 0");
      assertThat(status.out()).contains("holding", "other job");
      assertThat(CommandRun.of("status", "--backend", server.uri(), "--json", "r").out())
          .contains("\"name\":\"r\",\"limit\":1,\"held\":1")
          .contains("\"command\":\"other job\"");
    }
  }

  @Test
  void anUnreachableServerIsReportedWithExitCode69() {
    CommandRun down =
        CommandRun.of(
            "run", "--backend", "redis://127.0.0.1:1", "--name", "x", "--limit", "1", "--",
            "true");
    assertThat(down.exitCode()).isEqualTo(69);
    assertThat(down.err()).contains("cannot reach redis://127.0.0.1:1");
    for (String[] status :
        new String[][] {
          {"status", "--backend", "redis://127.0.0.1:1"},
          {"status", "--backend", "redis://127.0.0.1:1", "x"}
        }) {
      CommandRun statusDown = CommandRun.of(status);
      assertThat(statusDown.exitCode()).isEqualTo(69);
      assertThat(statusDown.err())
          .contains("permits status: cannot reach redis://127.0.0.1:1")
          .doesNotContain("\tat "); // a sentence, not a stack trace
    }
  }

  @Test
  void aLimitMismatchIsAUsageError() {
    assertThat(
            CommandRun.of(
                    "run", "--backend", server.uri(), "--name", "m", "--limit", "2", "--", "true")
                .exitCode())
        .isZero();
    CommandRun mismatch =
        CommandRun.of(
            "run", "--backend", server.uri(), "--name", "m", "--limit", "3", "--", "true");
    assertThat(mismatch.exitCode()).isEqualTo(2);
    assertThat(mismatch.err()).contains("has limit 2 in Redis, not 3");
  }
}
