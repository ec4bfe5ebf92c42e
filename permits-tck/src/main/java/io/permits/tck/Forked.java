package io.permits.tck;

import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.jspecify.annotations.Nullable;

/**
 * A thread started by a test to run one action, and the outcome of that action. Tests join
 * every thread they fork: {@link #join()} or {@link #joinFailure()} return only once the thread
 * has ended.
 *
 * <pre> {@code
 * Forked<Permit> waiter = Forked.start("waiter", () -> semaphore.acquire());
 * Await.waiting(semaphore, 1);
 * holder.close();
 * try (Permit permit = waiter.join()) { ... }
 * }</pre>
 *
 * @param <T> what the action returns
 */
public final class Forked<T> {
  private final Thread thread;
  private final CompletableFuture<@Nullable T> outcome = new CompletableFuture<>();

  private Forked(Thread.Builder builder, Callable<T> action) {
    this.thread =
        builder.start(
            () -> {
              try {
                outcome.complete(action.call());
              } catch (Throwable failure) {
                outcome.completeExceptionally(failure);
              }
            });
  }

  /**
   * Runs {@code action} on a new virtual thread.
   *
   * @param name the thread's name, for failure messages and thread dumps
   * @param action what the thread does
   * @param <T> what the action returns
   * @return the running thread's handle
   */
  public static <T> Forked<T> start(String name, Callable<T> action) {
    return new Forked<>(Thread.ofVirtual().name(name), action);
  }

  /**
   * Runs {@code action} on a new platform (daemon) thread.
   *
   * @param name the thread's name
   * @param action what the thread does
   * @param <T> what the action returns
   * @return the running thread's handle
   */
  public static <T> Forked<T> startPlatform(String name, Callable<T> action) {
    return new Forked<>(Thread.ofPlatform().daemon().name(name), action);
  }

  /**
   * The thread running the action.
   *
   * @return the thread
   */
  public Thread thread() {
    return thread;
  }

  /**
   * Whether the action has returned or thrown.
   *
   * @return true once the action is over
   */
  public boolean isDone() {
    return outcome.isDone();
  }

  /** Interrupts the thread. */
  public void interrupt() {
    thread.interrupt();
  }

  /**
   * Waits for the action to end and returns its outcome: a completed future holding what the
   * action returned or failed with what it threw.
   *
   * @return the completed outcome
   * @throws InterruptedException if the test thread is interrupted
   * @throws AssertionError if the action did not end within {@link Await#PATIENCE}
   */
  public CompletableFuture<@Nullable T> outcome() throws InterruptedException {
    try {
      outcome.get(Await.PATIENCE.toNanos(), TimeUnit.NANOSECONDS);
    } catch (ExecutionException failed) {
      // the outcome holds it
    } catch (TimeoutException stuck) {
      throw new AssertionError(
          "thread " + thread.getName() + " is still running after " + Await.PATIENCE, stuck);
    }
    thread.join();
    return outcome;
  }

  /**
   * Waits for the action to return and returns what it returned.
   *
   * @return the action's result
   * @throws InterruptedException if the test thread is interrupted
   * @throws AssertionError if the action threw (with that exception as the cause), or did not
   *     end within {@link Await#PATIENCE}
   */
  public @Nullable T join() throws InterruptedException {
    Throwable failure = failureOf(outcome());
    if (failure != null) {
      throw new AssertionError(
          "expected thread " + thread.getName() + " to return, but it threw " + failure, failure);
    }
    return outcome.join();
  }

  /**
   * Waits for the action to end and returns what it threw.
   *
   * @return the exception the action threw
   * @throws InterruptedException if the test thread is interrupted
   * @throws AssertionError if the action returned normally, or did not end within {@link
   *     Await#PATIENCE}
   */
  public Throwable joinFailure() throws InterruptedException {
    Throwable failure = failureOf(outcome());
    if (failure == null) {
      throw new AssertionError(
          "expected thread " + thread.getName() + " to throw, but it returned " + outcome.join());
    }
    return failure;
  }

  private static @Nullable Throwable failureOf(CompletableFuture<?> done) {
    try {
      done.join();
      return null;
    } catch (CompletionException failed) {
      return failed.getCause();
    }
  }
}
