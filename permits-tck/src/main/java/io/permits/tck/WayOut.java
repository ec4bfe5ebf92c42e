package io.permits.tck;

import io.permits.Semaphore;
import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.concurrent.TimeoutException;

/**
 * The ways a waiting request can leave the queue without being granted, each of which must go
 * through the same abandon path (rule 3): the regression tests of {@link AbandonContract} run
 * once per way.
 */
public enum WayOut {
  /** A blocking {@code acquire} whose thread is interrupted. */
  INTERRUPT(false),
  /** A timed {@code tryAcquire} (with a timeout that does not expire) whose thread is interrupted. */
  INTERRUPT_TIMED(false),
  /** An {@code acquireAsync} future cancelled by the caller. */
  CANCEL(false),
  /** An {@code acquireAsync} future completed exceptionally by the caller, as orTimeout does. */
  COMPLETE_EXCEPTIONALLY(false),
  /** A timed {@code tryAcquire} whose time runs out. */
  TIMEOUT(true);

  private static final Duration NEVER = Duration.ofHours(1);

  private final boolean expires;

  WayOut(boolean expires) {
    this.expires = expires;
  }

  /**
   * Whether the request leaves by itself when its time runs out, rather than when {@link
   * #leave} is called. A test that must set something up while such a request waits retries
   * with a longer timeout if the request left too early.
   *
   * @return true for {@link #TIMEOUT}
   */
  public boolean expires() {
    return expires;
  }

  /**
   * Starts a request for {@code permits} permits that can leave this way.
   *
   * @param semaphore the semaphore to ask
   * @param permits how many permits
   * @param timeout for {@link #TIMEOUT}, the request's timeout; ignored otherwise
   * @return the request
   */
  public Pending start(Semaphore semaphore, int permits, Duration timeout) {
    return switch (this) {
      case INTERRUPT -> Pending.acquire(semaphore, permits);
      case INTERRUPT_TIMED -> Pending.tryAcquire(semaphore, permits, NEVER);
      case CANCEL, COMPLETE_EXCEPTIONALLY -> Pending.acquireAsync(semaphore, permits);
      case TIMEOUT -> Pending.tryAcquire(semaphore, permits, timeout);
    };
  }

  /**
   * Makes the request leave: interrupts its thread or completes its future. Does nothing for
   * {@link #TIMEOUT}, whose request leaves when its time runs out.
   *
   * @param request a request started by {@link #start} and still waiting
   * @throws AssertionError if the future could not be cancelled or completed (it already was)
   */
  public void leave(Pending request) {
    switch (this) {
      case INTERRUPT, INTERRUPT_TIMED -> request.interrupt();
      case CANCEL -> {
        if (!request.future().cancel(false)) {
          throw new AssertionError("could not cancel " + request + ": " + request.future());
        }
      }
      case COMPLETE_EXCEPTIONALLY -> {
        if (!request.future().completeExceptionally(new TimeoutException("the caller gave up"))) {
          throw new AssertionError("could not complete " + request + ": " + request.future());
        }
      }
      case TIMEOUT -> {}
    }
  }

  /**
   * Waits for the request to end and checks that it ended this way, holding nothing.
   *
   * @param request a request started by {@link #start}
   * @throws InterruptedException if the test thread is interrupted
   * @throws AssertionError if the request was granted or ended another way
   */
  public void assertLeft(Pending request) throws InterruptedException {
    switch (this) {
      case INTERRUPT, INTERRUPT_TIMED -> expectFailure(request, InterruptedException.class);
      case CANCEL -> expectFailure(request, CancellationException.class);
      case COMPLETE_EXCEPTIONALLY -> expectFailure(request, TimeoutException.class);
      case TIMEOUT -> request.assertTimedOut();
    }
  }

  private static void expectFailure(Pending request, Class<? extends Throwable> type)
      throws InterruptedException {
    Throwable failure = request.failed();
    if (!type.isInstance(failure)) {
      throw new AssertionError(
          "expected " + request + " to end with " + type.getSimpleName() + " but got " + failure,
          failure);
    }
  }
}
