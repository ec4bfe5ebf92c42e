package io.permits;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;
import jdk.jfr.Threshold;
import org.jspecify.annotations.Nullable;

/**
 * JFR event {@code io.permits.Acquire}: a request that had to queue, from the moment it queued
 * until its outcome. Requests granted at once are not recorded (their wait is below any
 * threshold). Enabled by default with a 20 ms threshold, like the JDK's {@code
 * jdk.JavaMonitorEnter}; {@code permits.jfc} in this jar lowers it.
 */
@Name("io.permits.Acquire")
@Label("Permit Acquire")
@Category("permits")
@Description("A request for permits that waited; the duration is the wait")
@Threshold("20 ms")
@StackTrace(true)
final class AcquireEvent extends jdk.jfr.Event {
  @Label("Semaphore")
  @Nullable String name; // null until set, like any event field

  @Label("Permits")
  int permits;

  @Label("Outcome")
  @Description("granted, timeout, cancelled, interrupted, closed or too large")
  @Nullable String outcome;
}
