package io.permits.tck;

import io.permits.Permit;
import io.permits.Semaphore;
import io.permits.SemaphoreClosedException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.jspecify.annotations.Nullable;

/**
 * Checks, from inside a future's dependent action, that the future was not completed while the
 * semaphore held an internal lock: another thread must be able to use the semaphore (queue a
 * request, withdraw it, try for a permit) while the dependent action runs. A reentrant lock
 * would let the completing thread itself back in, so the probe runs on a thread of its own.
 */
final class LockProbe {
  private LockProbe() {}

  /** Returns null if another thread got through, else what went wrong. */
  static @Nullable String fromAnotherThread(Semaphore semaphore, String completedBy)
      throws InterruptedException {
    Forked<Void> probe =
        Forked.start(
            "tck lock probe",
            () -> {
              touch(semaphore);
              return null;
            });
    CompletableFuture<?> outcome;
    try {
      outcome = probe.outcome();
    } catch (AssertionError stuck) {
      return "another thread could not use the semaphore while a dependent action of a future "
          + "completed by "
          + completedBy
          + " ran: the future was completed while the semaphore's lock was held (rule 8)";
    }
    try {
      outcome.join();
      return null;
    } catch (CompletionException failed) {
      return "another thread failed to use the semaphore while a dependent action ran: "
          + failed.getCause();
    }
  }

  /** Calls, on this thread, the operations that must not deadlock inside a dependent action. */
  static void touch(Semaphore semaphore) {
    semaphore.available();
    semaphore.waiting();
    semaphore.stats();
    try {
      semaphore.tryAcquire().ifPresent(Permit::close);
    } catch (SemaphoreClosedException closed) {
      // expected when the future was failed by close()
    }
    CompletableFuture<Permit> request = semaphore.acquireAsync();
    if (!request.cancel(false) && !request.isCompletedExceptionally()) {
      request.join().close();
    }
  }
}
