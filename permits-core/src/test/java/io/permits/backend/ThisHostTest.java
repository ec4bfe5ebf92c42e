package io.permits.backend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.reflect.Field;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** {@link ThisHost}: the host name, and a JVM's command line without its options. */
class ThisHostTest {

  @Test
  void theHostNameIsTheKernelsOnLinuxAndIsReadOnce() throws Exception {
    Path kernel = Path.of("/proc/sys/kernel/hostname");
    assumeTrue(Files.isReadable(kernel), "Linux");
    forgetName(); // another test in this JVM may have read it

    String name = ThisHost.name();

    assertThat(name).isEqualTo(Files.readString(kernel).trim()).isNotEmpty();
    assertThat(ThisHost.name()).isSameAs(name);
  }

  @Test
  void aCommandLineKeepsTheMainClassAndItsArguments() {
    assertThat(ThisHost.javaCommand(new String[] {"com.example.Main", "-v", "x"}))
        .isEqualTo("java com.example.Main -v x");
  }

  @Test
  void optionsAndTheirValuesAreLeftOut() {
    String[] arguments = {
      "-cp", "a.jar:b.jar", "-Xmx1g", "--add-opens", "java.base/java.lang=ALL-UNNAMED",
      "-Dk=v", "--module-path", "mods", "com.example.Main", "run"
    };
    assertThat(ThisHost.javaCommand(arguments)).isEqualTo("java com.example.Main run");
  }

  @Test
  void aJarIsShownWithDashJar() {
    assertThat(ThisHost.javaCommand(new String[] {"-Xss1m", "-jar", "app.jar", "--port", "80"}))
        .isEqualTo("java -jar app.jar --port 80");
  }

  @Test
  void optionsAloneOrNothingLeaveJava() {
    assertThat(ThisHost.javaCommand(new String[] {"-Xmx1g", "-ea"})).isEqualTo("java");
    assertThat(ThisHost.javaCommand(new String[] {"-classpath", "a.jar"})).isEqualTo("java");
    assertThat(ThisHost.javaCommand(new String[] {})).isEqualTo("java");
  }

  private static void forgetName() throws ReflectiveOperationException {
    Field name = ThisHost.class.getDeclaredField("name");
    name.setAccessible(true);
    name.set(null, null);
  }
}
