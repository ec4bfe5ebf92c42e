package io.permits.file;

import io.permits.SemaphoreClosedException;
import io.permits.file.SlotTable.Attempt;
import java.util.concurrent.locks.LockSupport;
import org.jspecify.annotations.Nullable;

/**
 * A blocking request's wait for slots held by other processes (or other semaphores on the same
 * file in this JVM), after the in-process gate has granted it.
 */
final class SlotWait {

  /*
   * Implementation notes. There is no cross-process wake-up: a process that dies cannot send one,
   * and a file lock's release makes no file-change event, so a waiter polls (see Polling: 1 ms
   * doubling to 25 ms), parking in between with LockSupport#parkNanos (no monitor, so a virtual
   * thread unmounts). A release in this JVM, a limit change and close() unpark it at once. The
   * first refused attempt registers the request as a waiter in the file (which also gives it its
   * place in the cross-process order); every way out of the wait except a grant withdraws that
   * registration.
   */

  private SlotWait() {}

  /**
   * Waits until the slots are granted, the deadline passes, the thread is interrupted or the
   * semaphore closes.
   *
   * @param deadline a {@link System#nanoTime()} deadline, used only if {@code timed}
   * @return the slots, or null if the deadline passed
   */
  static int @Nullable [] await(
      FileSemaphore semaphore,
      SlotFile file,
      SlotRecord request,
      boolean timed,
      long deadline)
      throws InterruptedException {
    Thread waiter = Thread.currentThread();
    Runnable wake = () -> LockSupport.unpark(waiter);
    file.onRelease(wake);
    semaphore.addLocalWaiter(wake);
    Polling polling = new Polling();
    int registered = -1;
    try {
      while (true) {
        int current = registered;
        Attempt attempt =
            file.call(table -> table.tryGrant(request.permits(), request, current, true));
        semaphore.adoptLimit(attempt.limit(), attempt.limitVersion());
        if (attempt.granted()) {
          registered = -1; // the grant withdrew the registration
          return attempt.slots();
        }
        registered = attempt.waiter();
        if (attempt.limit() >= 1 && request.permits() > attempt.limit()) {
          throw semaphore.impossible(request.permits(), attempt.limit());
        }
        if (semaphore.isClosed()) {
          throw new SemaphoreClosedException(
              "acquire on semaphore '" + semaphore.name() + "', which is closed");
        }
        if (Thread.interrupted()) {
          throw new InterruptedException();
        }
        long park = polling.next();
        if (timed) {
          long remaining = deadline - System.nanoTime();
          if (remaining <= 0) {
            return null;
          }
          park = Math.min(park, remaining);
        }
        LockSupport.parkNanos(semaphore, park);
      }
    } finally {
      file.removeReleaseListener(wake);
      semaphore.removeLocalWaiter(wake);
      if (registered >= 0) {
        int withdrawn = registered;
        file.call(
            table -> {
              table.withdraw(withdrawn, request.requestId());
              return null;
            });
      }
    }
  }
}
