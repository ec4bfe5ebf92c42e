package io.permits.spring;

import static org.assertj.core.api.Assertions.assertThat;

import io.permits.testsupport.RedisServer;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/** The health of the file and Redis backends: UP when usable, DOWN with the cause. */
@Timeout(60)
class PermitsHealthTest {

  private final ApplicationContextRunner runner =
      new ApplicationContextRunner()
          .withConfiguration(
              AutoConfigurations.of(
                  PermitsAutoConfiguration.class, PermitsHealthAutoConfiguration.class));

  @Test
  void onlyInProcessSemaphoresNeedNoHealthContributor() {
    runner
        .withPropertyValues("permits.semaphores.db.limit=1")
        .run(context -> assertThat(context).doesNotHaveBean(PermitsHealthIndicator.class));
  }

  @Test
  void aWritableDirectoryIsUp(@TempDir Path directory) {
    runner
        .withPropertyValues(
            "permits.semaphores.exports.per-key-limit=1",
            "permits.semaphores.exports.backend=file:" + directory.resolve("not-yet"))
        .run(
            context -> {
              Health health = context.getBean(PermitsHealthIndicator.class).health();
              assertThat(health.getStatus()).isEqualTo(Status.UP);
              assertThat(health.getDetails())
                  .containsEntry("file:" + directory.resolve("not-yet"), "UP");
            });
  }

  @Test
  void aDirectoryThatCannotBeMadeIsDownWithTheCause(@TempDir Path directory) throws Exception {
    Path aFile = Files.writeString(directory.resolve("a-file"), "not a directory");
    runner
        .withPropertyValues(
            "permits.semaphores.exports.per-key-limit=1",
            "permits.semaphores.exports.backend=file:" + aFile.resolve("sub"))
        .run(
            context -> {
              Health health = context.getBean(PermitsHealthIndicator.class).health();
              assertThat(health.getStatus()).isEqualTo(Status.DOWN);
              assertThat(health.getDetails().get("file:" + aFile.resolve("sub")).toString())
                  .startsWith("DOWN: ")
                  .contains("cannot be made");
            });
  }

  @Test
  void aReachableRedisIsUpAndAnUnreachableOneDownWithTheCause() throws Exception {
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closedPort = socket.getLocalPort();
    }
    String unreachable = "redis://127.0.0.1:" + closedPort;
    try (RedisServer redis = RedisServer.start()) {
      runner
          .withPropertyValues(
              "permits.semaphores.api.limit=2",
              "permits.semaphores.api.backend=" + redis.uri(),
              "permits.semaphores.gone.per-key-limit=1",
              "permits.semaphores.gone.backend=" + unreachable)
          .run(
              context -> {
                assertThat(context).hasNotFailed();
                Health health = context.getBean(PermitsHealthIndicator.class).health();
                assertThat(health.getStatus()).isEqualTo(Status.DOWN);
                assertThat(health.getDetails()).containsEntry(redis.uri(), "UP");
                assertThat(health.getDetails().get(unreachable).toString())
                    .startsWith("DOWN: ")
                    .contains(Integer.toString(closedPort));
              });
    }
  }

  @Test
  void theContributorCanBeTurnedOff() {
    runner
        .withPropertyValues(
            "management.health.permits.enabled=false",
            "permits.semaphores.exports.per-key-limit=1",
            "permits.semaphores.exports.backend=file")
        .run(context -> assertThat(context).doesNotHaveBean(PermitsHealthIndicator.class));
  }
}
