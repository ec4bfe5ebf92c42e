package io.permits.redis;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** What opening a semaphore says about server settings that weaken its guarantees. */
class ServerSettingsTest {

  private final Logger logger = Logger.getLogger(ServerSettings.class.getName());
  private final List<LogRecord> records = new CopyOnWriteArrayList<>();
  private final Handler handler =
      new Handler() {
        @Override
        public void publish(LogRecord record) {
          records.add(record);
        }

        @Override
        public void flush() {}

        @Override
        public void close() {}
      };

  @BeforeEach
  void listen() {
    logger.addHandler(handler);
  }

  @AfterEach
  void stopListening() {
    logger.removeHandler(handler);
  }

  @Test
  void anEvictionPolicyThatMayDropKeysIsWarnedOf() {
    ServerSettings.warn(
        "api",
        Map.of("maxmemory", "1000000", "maxmemory-policy", "allkeys-lru",
            "appendonly", "yes", "appendfsync", "always"));
    assertThat(records)
        .singleElement()
        .satisfies(
            r -> {
              assertThat(r.getLevel()).isEqualTo(Level.WARNING);
              assertThat(java.text.MessageFormat.format(r.getMessage(), r.getParameters()))
                  .contains("semaphore 'api'", "allkeys-lru", "noeviction");
            });
  }

  @Test
  void noevictionAndAnAppendOnlyFileSyncedAlwaysAreQuiet() {
    ServerSettings.warn(
        "api",
        Map.of("maxmemory", "1000000", "maxmemory-policy", "noeviction",
            "appendonly", "yes", "appendfsync", "always"));
    ServerSettings.warn(
        "api",
        Map.of("maxmemory", "0", "maxmemory-policy", "allkeys-lru",
            "appendonly", "yes", "appendfsync", "always")); // no maxmemory: nothing is evicted
    assertThat(records).isEmpty();
  }
}
