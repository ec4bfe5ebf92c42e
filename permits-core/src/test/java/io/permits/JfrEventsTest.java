package io.permits;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import jdk.jfr.Configuration;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** JFR events io.permits.Acquire and io.permits.Hold, recorded and read back. */
@Timeout(60)
class JfrEventsTest {

  @Test
  void waitsAndHoldsAreRecordedWithTheirFields(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("permits.jfr");
    try (Recording recording = new Recording()) {
      recording.enable("io.permits.Acquire").withThreshold(Duration.ZERO);
      recording.enable("io.permits.Hold").withThreshold(Duration.ZERO);
      recording.start();

      LocalSemaphore semaphore = LocalSemaphore.builder().name("jfr-test").limit(2).build();
      Permit two = semaphore.acquire(2); // held: Hold 2
      assertThat(semaphore.tryAcquire(Duration.ofMillis(1))).isEmpty(); // Acquire timeout
      CompletableFuture<Permit> cancelled = semaphore.acquireAsync();
      cancelled.cancel(false); // Acquire cancelled
      CompletableFuture<Permit> waiter = semaphore.acquireAsync();
      two.close();
      waiter.join().close(); // Acquire granted; Hold 1

      recording.stop();
      recording.dump(file);
    }

    List<RecordedEvent> events =
        RecordingFile.readAllEvents(file).stream()
            .filter(e -> e.getEventType().getName().startsWith("io.permits."))
            .filter(e -> "jfr-test".equals(e.getString("name")))
            .toList();
    List<String> acquires =
        events.stream()
            .filter(e -> e.getEventType().getName().equals("io.permits.Acquire"))
            .map(e -> e.getInt("permits") + " " + e.getString("outcome"))
            .toList();
    List<Integer> holds =
        events.stream()
            .filter(e -> e.getEventType().getName().equals("io.permits.Hold"))
            .map(e -> e.getInt("permits"))
            .toList();

    assertThat(acquires).containsExactlyInAnyOrder("1 timeout", "1 cancelled", "1 granted");
    assertThat(holds).containsExactlyInAnyOrder(2, 1);
    assertThat(events).allSatisfy(e -> assertThat(e.getDuration()).isPositive());
    assertThat(events.get(0).getEventType().getCategoryNames()).containsExactly("permits");
  }

  @Test
  void theSettingsFileInTheJarEnablesBothEvents() throws Exception {
    try (Reader reader =
        new InputStreamReader(
            LocalSemaphore.class.getResourceAsStream("permits.jfc"), StandardCharsets.UTF_8)) {
      Configuration configuration = Configuration.create(reader);
      assertThat(configuration.getSettings())
          .containsEntry("io.permits.Acquire#enabled", "true")
          .containsEntry("io.permits.Acquire#threshold", "1 ms")
          .containsEntry("io.permits.Hold#enabled", "true");
    }
  }
}
