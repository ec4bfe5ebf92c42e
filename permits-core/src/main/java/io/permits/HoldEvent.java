package io.permits;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;
import jdk.jfr.Threshold;
import org.jspecify.annotations.Nullable;

/**
 * JFR event {@code io.permits.Hold}: a permit from its grant to its close. Enabled by default
 * with a 20 ms threshold; a permit is timed only if the event was enabled when it was granted.
 * The stack trace is the close's, so it is off by default.
 */
@Name("io.permits.Hold")
@Label("Permit Hold")
@Category("permits")
@Description("Permits held; the duration is from grant to close")
@Threshold("20 ms")
@StackTrace(false)
final class HoldEvent extends jdk.jfr.Event {
  @Label("Semaphore")
  @Nullable String name; // null until set, like any event field

  @Label("Permits")
  int permits;
}
