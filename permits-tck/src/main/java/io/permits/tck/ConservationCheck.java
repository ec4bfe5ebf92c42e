package io.permits.tck;

import io.permits.Permit;
import io.permits.Semaphore;
import io.permits.SemaphoreStats;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.jspecify.annotations.Nullable;

/**
 * A JUnit extension that checks conservation (rule 1 of the design) after every test: once every
 * permit a semaphore handed out is closed, it has all its permits free ({@code available() ==
 * limit()}, {@code stats().held() == 0}) and nobody waiting ({@code waiting() == 0}). Then it
 * closes the semaphore, so that a failed test leaves no thread waiting behind it.
 *
 * <p>{@link SemaphoreContract} registers one per test instance. To use it in a backend's own
 * tests, register it on an instance field and create semaphores through {@link #track}:
 *
 * <pre> {@code
 * @RegisterExtension final ConservationCheck conservation = new ConservationCheck();
 *
 * @Test
 * void survivesAFailover() {
 *   Semaphore semaphore = conservation.track(RedisSemaphore.builder(uri).limit(3).build());
 *   ...
 * }
 * }</pre>
 */
public final class ConservationCheck implements AfterEachCallback {
  private final List<TrackingSemaphore> tracked = new CopyOnWriteArrayList<>();

  /** Creates a check with no semaphore tracked yet. */
  public ConservationCheck() {}

  /**
   * Starts tracking a semaphore: returns a view of it that records every permit it hands out,
   * by any method (blocking, timed, try, async). Use the returned view in the test.
   *
   * @param semaphore a semaphore created for this test
   * @return a view forwarding every call to {@code semaphore}
   */
  public Semaphore track(Semaphore semaphore) {
    TrackingSemaphore tracking = new TrackingSemaphore(semaphore);
    tracked.add(tracking);
    return tracking;
  }

  /**
   * Runs {@link #verify()} after each test.
   *
   * @param context the test's context
   */
  @Override
  public void afterEach(ExtensionContext context) throws Exception {
    verify();
  }

  /**
   * Closes every permit the tracked semaphores handed out, checks that each semaphore then has
   * all its permits free and no request queued, and closes the semaphores. A request still
   * queued (a test that did not clean up) is served by the permits closed here, and its permit
   * closed in turn.
   *
   * @throws InterruptedException if interrupted while waiting for the permits to come back
   * @throws AssertionError naming each semaphore that lost or kept permits
   */
  public void verify() throws InterruptedException {
    List<String> broken = new ArrayList<>();
    try {
      for (TrackingSemaphore semaphore : tracked) {
        String problem = settle(semaphore);
        if (problem != null) {
          broken.add(problem);
        }
      }
    } finally {
      for (TrackingSemaphore semaphore : tracked) {
        try {
          semaphore.delegate.close();
        } catch (RuntimeException failure) {
          broken.add(Await.describe(semaphore) + ": close() threw " + failure);
        }
      }
      tracked.clear();
    }
    if (!broken.isEmpty()) {
      throw new AssertionError(
          "conservation broken (rule 1): once every permit was closed, "
              + String.join("; ", broken));
    }
  }

  private static @Nullable String settle(TrackingSemaphore semaphore) throws InterruptedException {
    long deadline = System.nanoTime() + Await.PATIENCE.toNanos();
    while (true) {
      int handedOut = 0;
      for (Permit permit; (permit = semaphore.permits.poll()) != null; handedOut++) {
        permit.close();
        if (permit.isHeld()) {
          return Await.describe(semaphore) + ": a permit still reports isHeld() after close()";
        }
      }
      SemaphoreStats stats = semaphore.stats();
      if (handedOut == 0
          && semaphore.waiting() == 0
          && semaphore.available() == semaphore.limit()
          && stats.held() == 0
          && stats.available() == stats.limit()) {
        return null;
      }
      if (System.nanoTime() - deadline > 0) {
        return Await.describe(semaphore) + " with " + stats + " after " + Await.PATIENCE;
      }
      if (Thread.interrupted()) {
        throw new InterruptedException("interrupted while checking " + Await.describe(semaphore));
      }
      Thread.yield();
    }
  }
}
