package io.permits.tck;

import io.permits.Permit;
import io.permits.Semaphore;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.jspecify.annotations.Nullable;

/**
 * A request that may have to wait, of any kind: a blocking {@code acquire} or a timed {@code
 * tryAcquire} running on a forked virtual thread, or an {@code acquireAsync} future. Lets a
 * test start a waiter, make it leave the queue (interrupt, cancel) and check how it ended
 * ({@link #granted()}, {@link #failed()}, {@link #assertTimedOut()}) the same way for each kind.
 */
public final class Pending {

  /** The kinds of request that can wait. */
  public enum Kind {
    /** {@link Semaphore#acquire(int)} on a forked thread. */
    BLOCKING,
    /** {@link Semaphore#tryAcquire(int, Duration)} with a long timeout, on a forked thread. */
    TIMED,
    /** {@link Semaphore#acquireAsync(int)}. */
    ASYNC
  }

  /**
   * How a request ended: with a permit, with nothing (a timed request whose time ran out), or
   * with an exception.
   *
   * @param permit the permit granted, if any
   * @param failure what the request threw or the future failed with (unwrapped), if anything
   */
  public record Result(@Nullable Permit permit, @Nullable Throwable failure) {
    /**
     * Whether the request was granted.
     *
     * @return true if a permit came back
     */
    public boolean isGranted() {
      return permit != null;
    }

    /**
     * Whether the request ended with neither a permit nor an exception: a timed request that
     * timed out.
     *
     * @return true for an empty result
     */
    public boolean isEmpty() {
      return permit == null && failure == null;
    }
  }

  private final String description;
  private final @Nullable Forked<Optional<Permit>> forked;
  private final @Nullable CompletableFuture<Permit> future;

  private Pending(
      String description,
      @Nullable Forked<Optional<Permit>> forked,
      @Nullable CompletableFuture<Permit> future) {
    this.description = description;
    this.forked = forked;
    this.future = future;
  }

  /**
   * Starts a request of the given kind for {@code permits} permits.
   *
   * @param kind blocking, timed (with {@link Await#LONG}) or async
   * @param semaphore the semaphore to ask
   * @param permits how many permits
   * @return the request
   */
  public static Pending start(Kind kind, Semaphore semaphore, int permits) {
    return switch (kind) {
      case BLOCKING -> acquire(semaphore, permits);
      case TIMED -> tryAcquire(semaphore, permits, Await.LONG);
      case ASYNC -> acquireAsync(semaphore, permits);
    };
  }

  /**
   * Calls {@code semaphore.acquire(permits)} on a new virtual thread.
   *
   * @param semaphore the semaphore to ask
   * @param permits how many permits
   * @return the request
   */
  public static Pending acquire(Semaphore semaphore, int permits) {
    String what = "acquire(" + permits + ")";
    return new Pending(
        what, Forked.start("tck " + what, () -> Optional.of(semaphore.acquire(permits))), null);
  }

  /**
   * Calls {@code semaphore.tryAcquire(permits, timeout)} on a new virtual thread.
   *
   * @param semaphore the semaphore to ask
   * @param permits how many permits
   * @param timeout the longest wait
   * @return the request
   */
  public static Pending tryAcquire(Semaphore semaphore, int permits, Duration timeout) {
    String what = "tryAcquire(" + permits + ", " + timeout + ")";
    return new Pending(
        what, Forked.start("tck " + what, () -> semaphore.tryAcquire(permits, timeout)), null);
  }

  /**
   * Calls {@code semaphore.acquireAsync(permits)} in the calling thread.
   *
   * @param semaphore the semaphore to ask
   * @param permits how many permits
   * @return the request
   */
  public static Pending acquireAsync(Semaphore semaphore, int permits) {
    return new Pending("acquireAsync(" + permits + ")", null, semaphore.acquireAsync(permits));
  }

  /**
   * Whether the request has ended (granted, failed, timed out or cancelled).
   *
   * @return true once it ended
   */
  public boolean isDone() {
    return forked != null ? forked.isDone() : future().isDone();
  }

  /**
   * The future of an async request.
   *
   * @return the future returned by {@code acquireAsync}
   * @throws IllegalStateException if the request is not async
   */
  public CompletableFuture<Permit> future() {
    if (future == null) {
      throw new IllegalStateException(description + " is not an async request");
    }
    return future;
  }

  /**
   * Interrupts the thread of a blocking or timed request.
   *
   * @throws IllegalStateException if the request is async
   */
  public void interrupt() {
    if (forked == null) {
      throw new IllegalStateException(description + " runs on no thread of its own");
    }
    forked.interrupt();
  }

  /**
   * Waits for the request to end and returns how it ended.
   *
   * @return the result
   * @throws InterruptedException if the test thread is interrupted
   * @throws AssertionError if the request did not end within {@link Await#PATIENCE}
   */
  public Result result() throws InterruptedException {
    if (forked != null) {
      CompletableFuture<@Nullable Optional<Permit>> outcome = forked.outcome();
      try {
        Optional<Permit> permit = outcome.join();
        return new Result(permit == null ? null : permit.orElse(null), null);
      } catch (CompletionException threw) {
        return new Result(null, threw.getCause());
      }
    }
    try {
      return new Result(future().get(Await.PATIENCE.toNanos(), TimeUnit.NANOSECONDS), null);
    } catch (ExecutionException | CompletionException failed) {
      return new Result(null, failed.getCause());
    } catch (CancellationException cancelled) {
      return new Result(null, cancelled);
    } catch (TimeoutException stuck) {
      throw new AssertionError(
          description + " still pending after " + Await.PATIENCE + ": " + future, stuck);
    }
  }

  /**
   * Waits for the request and returns its permit.
   *
   * @return the permit granted, held
   * @throws InterruptedException if the test thread is interrupted
   * @throws AssertionError if the request failed, timed out, or is still waiting after {@link
   *     Await#PATIENCE}
   */
  public Permit granted() throws InterruptedException {
    Result result = result();
    if (result.permit() == null) {
      throw new AssertionError(
          "expected " + description + " to be granted, but it " + ending(result),
          result.failure());
    }
    return result.permit();
  }

  /**
   * Waits for the request and returns what it failed with (for an async request: the cause of
   * the future's failure, or the {@link CancellationException} of a cancelled future).
   *
   * @return the exception
   * @throws InterruptedException if the test thread is interrupted
   * @throws AssertionError if the request was granted or timed out, or is still waiting
   */
  public Throwable failed() throws InterruptedException {
    Result result = result();
    if (result.failure() == null) {
      throw new AssertionError("expected " + description + " to fail, but it " + ending(result));
    }
    return result.failure();
  }

  /**
   * Waits for a timed request and checks that it returned empty.
   *
   * @throws InterruptedException if the test thread is interrupted
   * @throws AssertionError if it was granted or failed, or is still waiting
   */
  public void assertTimedOut() throws InterruptedException {
    Result result = result();
    if (!result.isEmpty()) {
      throw new AssertionError(
          "expected " + description + " to time out, but it " + ending(result),
          result.failure());
    }
  }

  private static String ending(Result result) {
    if (result.permit() != null) {
      return "was granted " + result.permit();
    }
    return result.failure() == null ? "timed out" : "failed with " + result.failure();
  }

  /** Describes the request, for example {@code acquire(2)}. */
  @Override
  public String toString() {
    return description;
  }
}
