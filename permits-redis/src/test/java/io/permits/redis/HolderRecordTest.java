package io.permits.redis;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class HolderRecordTest {

  @Test
  void theJavaCommandLeavesOutTheJvmsOptionsAndKeepsTheMainClassAndItsArguments() {
    assertThat(
            io.permits.backend.ThisHost.javaCommand(
                new String[] {
                  "-Xmx1g", "-cp", "/a.jar:/b.jar", "--add-opens", "java.base/x=ALL-UNNAMED",
                  "-Dk=v", "com.example.Main", "--name", "-v"
                }))
        .isEqualTo("java com.example.Main --name -v");
    assertThat(io.permits.backend.ThisHost.javaCommand(new String[] {"-Xss1m", "-jar", "app.jar", "x"}))
        .isEqualTo("java -jar app.jar x");
    assertThat(io.permits.backend.ThisHost.javaCommand(new String[0])).isEqualTo("java");
  }

  @Test
  void aLongCommandIsCutTo200Characters() {
    String who = HolderRecord.describeThisProcess("x".repeat(500));
    assertThat(who).endsWith("x".repeat(200) + "…");
    assertThat(who).startsWith(ProcessHandle.current().pid() + " ");
  }
}
