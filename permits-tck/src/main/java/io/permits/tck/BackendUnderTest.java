package io.permits.tck;

import io.permits.Fairness;
import io.permits.Semaphore;

/**
 * The backend a contract test runs against, as every contract interface sees it: it makes fresh
 * semaphores of that backend for each test, and says whether the backend promises arrival order
 * and how large a load it can take in the suite's time.
 *
 * <p>{@link SemaphoreContract} implements this for backend authors; implement it directly only
 * to run a chosen subset of the contract interfaces.
 */
public interface BackendUnderTest {

  /**
   * Creates a new semaphore of the backend under test for one test, with every permit free. The
   * semaphore is tracked: after the test, every permit it handed out is closed and the
   * semaphore must have all its permits back and nobody waiting ({@link ConservationCheck}).
   *
   * @param name the name the semaphore must report from {@link Semaphore#name()}; unique per
   *     call within a run
   * @param limit the number of permits, at least 1
   * @return a new semaphore, not shared with any other test
   */
  Semaphore semaphore(String name, int limit);

  /**
   * Creates a new tracked semaphore with a generated, unique name.
   *
   * @param limit the number of permits, at least 1
   * @return a new semaphore
   * @see #semaphore(String, int)
   */
  default Semaphore semaphore(int limit) {
    return semaphore(Ids.next("tck"), limit);
  }

  /**
   * Whether the backend serves requests strictly in arrival order ({@link Fairness#STRICT}):
   * then the tests of ordering run, otherwise they are skipped. Every other test holds for
   * every order.
   *
   * @return true for a strictly ordered backend
   */
  boolean strictOrder();

  /**
   * The size of the load tests (10,000 virtual threads cycling through 100 permits, a chain of
   * 20,000 asynchronous hand-offs, 4,000 acquisitions of one permit by 8 threads), as a
   * share of their full size: 1 for a backend in memory. A backend whose every operation costs
   * I/O (a file lock, a network round trip) returns less, so the suite stays within its time
   * limits; the assertions are the same at any size.
   *
   * @return a factor in (0, 1]
   */
  default double loadScale() {
    return 1.0;
  }

  /**
   * A count of rounds or operations scaled by {@link #loadScale()}: {@code full} in memory, never
   * fewer than {@code least}.
   *
   * @param full the count at full size
   * @param least the smallest count that still tests what it must
   * @return the count to run
   */
  default int scaled(int full, int least) {
    return Math.max(least, (int) (full * loadScale()));
  }
}
