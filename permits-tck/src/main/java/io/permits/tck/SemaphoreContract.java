package io.permits.tck;

import io.permits.Semaphore;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The whole contract of a {@link Semaphore}: extend this class in a backend's test sources,
 * implement {@link #newSemaphore}, and every test of every contract interface runs against the
 * backend.
 *
 * <pre> {@code
 * @DisplayName("LocalSemaphore, STRICT")
 * class LocalStrictContractTest extends SemaphoreContract {
 *   @Override
 *   protected Semaphore newSemaphore(String name, int limit) {
 *     return LocalSemaphore.builder().name(name).limit(limit).fairness(Fairness.STRICT).build();
 *   }
 *
 *   @Override
 *   public boolean strictOrder() {
 *     return true;
 *   }
 * }
 * }</pre>
 *
 * <p>Each interface holds the tests of one rule of the design: {@link AcquireReleaseContract}
 * (permits as objects, conservation, bound), {@link WeightedContract} (atomic weighted
 * requests), {@link TimeoutContract}, {@link InterruptContract}, {@link AsyncContract}, {@link
 * AbandonContract} (the one cancellation rule, and the peer bugs it prevents), {@link
 * CloseContract}, {@link SetLimitContract}, {@link BadInputContract}, {@link OrderingContract}
 * (strict arrival order, run only when {@link #strictOrder()} is true), {@link CallRunContract},
 * {@link StatsContract}, {@link VirtualThreadContract} and {@link RandomizedContract}.
 *
 * <p>Every test has a time limit of 30 seconds; none sleeps or asserts a duration, so the
 * suite is safe on a loaded machine. After every test the {@link ConservationCheck} closes every
 * permit handed out by the test's semaphores and checks that each has all its permits back.
 *
 * <p>The tests assume that each semaphore from {@link #newSemaphore} is used by the test alone
 * (no other client holds its permits) and that its counts ({@code available()}, {@code
 * waiting()}) settle to exact values once the test's threads are quiet.
 */
@Timeout(30)
public abstract class SemaphoreContract
    implements AcquireReleaseContract,
        WeightedContract,
        TimeoutContract,
        InterruptContract,
        AsyncContract,
        AbandonContract,
        CloseContract,
        SetLimitContract,
        BadInputContract,
        OrderingContract,
        CallRunContract,
        StatsContract,
        VirtualThreadContract,
        RandomizedContract {

  /**
   * Tracks every semaphore created through {@link #semaphore(String, int)} and checks
   * conservation after each test.
   */
  @RegisterExtension protected final ConservationCheck conservation = new ConservationCheck();

  /** For subclasses. */
  protected SemaphoreContract() {}

  /**
   * Creates a new semaphore of the backend under test, with every permit free, used by one test
   * only. Called once or more per test; the semaphores are closed after the test.
   *
   * @param name the name the semaphore must report; unique within the run
   * @param limit the number of permits, at least 1
   * @return a new semaphore
   */
  protected abstract Semaphore newSemaphore(String name, int limit);

  /**
   * Whether the backend serves requests strictly in arrival order; false unless overridden.
   * Override to return true for a strictly ordered backend, so that the ordering tests run.
   *
   * @return false
   */
  @Override
  public boolean strictOrder() {
    return false;
  }

  /**
   * Creates a semaphore with {@link #newSemaphore} and tracks it for the conservation check.
   *
   * @param name the semaphore's name
   * @param limit the number of permits
   * @return the tracked semaphore
   */
  @Override
  public final Semaphore semaphore(String name, int limit) {
    return conservation.track(newSemaphore(name, limit));
  }
}
