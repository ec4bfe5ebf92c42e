package io.permits;

import java.lang.ref.Cleaner;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;

/**
 * The shared machinery of leak detection, created on first use only: one daemon thread that
 * checks permits held past their semaphore's threshold, and one {@link Cleaner} (its own daemon
 * thread) that learns of permits that became unreachable while held.
 */
final class LeakDetector {
  private LeakDetector() {}

  static final Cleaner CLEANER = Cleaner.create(daemon("permits-leak-cleaner"));

  static final ScheduledThreadPoolExecutor SCHEDULER = newScheduler();

  private static ScheduledThreadPoolExecutor newScheduler() {
    ScheduledThreadPoolExecutor scheduler =
        new ScheduledThreadPoolExecutor(1, daemon("permits-leak-detector"));
    scheduler.setRemoveOnCancelPolicy(true); // closed permits leave the queue at once
    return scheduler;
  }

  private static ThreadFactory daemon(String name) {
    return runnable -> {
      Thread thread = new Thread(runnable, name);
      thread.setDaemon(true);
      return thread;
    };
  }
}
