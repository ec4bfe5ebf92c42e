package io.permits.stress;

import io.permits.Permit;
import io.permits.Semaphore;
import io.permits.SemaphoreClosedException;
import io.permits.stress.Generation.Holding;
import java.time.Duration;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One worker thread of a stress run: a fixed number of steps, each a random operation on the
 * live generation. See {@link StressRun} for the mix and the rules.
 */
final class Worker implements Runnable {

  /*
   * Each step draws one random long and takes every decision from its bits, whatever happens,
   * so that a thread's sequence of intended operations depends on the seed only:
   *
   *   bits  0..9   the operation (per 1024, below)      bits 33..35  the timeout
   *   bits 10..16  the weight class                     bits 36..39  how long to hold
   *   bits 17..32  a fraction: weight, new limit        bits 40..42  close twice if 0
   *   bits 43..44  the async variant                    bits 46..59  close-and-replace if 0
   *   bit  45      try or timed (nested, handoff)       bits 60..62  nested: 2nd weight, kind, order
   *                                                     bits 62..63  handoff: close it too if 0
   *
   * Weights are drawn as a share of the limit read at the time, so the weight of a request
   * depends on the resizes that came before it in the interleaving; everything else follows the
   * seed alone.
   *
   * A worker never waits without a timeout while it holds a permit (no hold-and-wait), so the
   * driver cannot deadlock itself: whatever a blocked worker waits for is held by a worker that
   * will let go, by a callback that releases at once, or sits in the handoff queue, which the
   * chaos thread drains.
   */

  // Cumulative thresholds, per 1024.
  private static final int ACQUIRE = 174; // 17%   acquire(n)
  private static final int TRY = 399; // 22%       tryAcquire(n)
  private static final int TIMED = 583; // 18%     tryAcquire(n, tiny timeout)
  private static final int ASYNC = 788; // 20%     acquireAsync(n): cancel, get, get(timeout), callback
  private static final int NESTED = 870; // 8%     hold one, try for another, release in either order
  private static final int HANDOFF = 1008; // 13.5% hand the permit to another thread to close
  // the rest, 1.5%: setLimit to a random limit from 1 to maxLimit

  private static final Duration[] TIMEOUTS = {
    Duration.ZERO,
    Duration.ofNanos(1_000),
    Duration.ofNanos(1_000),
    Duration.ofNanos(10_000),
    Duration.ofNanos(10_000),
    Duration.ofNanos(50_000),
    Duration.ofNanos(100_000),
    Duration.ofMillis(1)
  };
  private static final long[] GET_TIMEOUT_NANOS = {0, 10_000, 100_000, 1_000_000};
  private static final int MAX_PENDING_CALLBACKS = 2;

  final int index;
  final boolean interruptible;
  private final StressRun run;
  private final SplittableRandom random;
  private final long ops;
  private final AtomicInteger pendingCallbacks = new AtomicInteger();
  private volatile long done;
  Thread thread;

  Worker(StressRun run, int index, long seed, long ops, boolean interruptible) {
    this.run = run;
    this.index = index;
    this.random = new SplittableRandom(seed);
    this.ops = ops;
    this.interruptible = interruptible;
  }

  /** Steps taken so far (updated every 64 steps and at the end). */
  long done() {
    return done;
  }

  @Override
  public void run() {
    long i = 0;
    while (i < ops && !run.stopped()) {
      long bits = random.nextLong();
      try {
        releaseHandedOff();
        step(run.current(), bits);
      } catch (Throwable t) {
        run.unexpected("worker " + index, t);
      }
      i++;
      if ((i & 63) == 0) {
        done = i;
      }
    }
    done = i;
    Thread.interrupted(); // a last interrupt from the chaos thread is of no interest
  }

  private void step(Generation gen, long bits) {
    int op = field(bits, 0, 10);
    if (op < ACQUIRE) {
      use(gen, bits, attempt(gen, bits, weight(gen, bits), Outcome.GRANTED_ACQUIRE));
    } else if (op < TRY) {
      use(gen, bits, attempt(gen, bits, weight(gen, bits), Outcome.GRANTED_TRY));
    } else if (op < TIMED) {
      use(gen, bits, attempt(gen, bits, weight(gen, bits), Outcome.GRANTED_TIMED));
    } else if (op < ASYNC) {
      async(gen, bits);
    } else if (op < NESTED) {
      nested(gen, bits);
    } else if (op < HANDOFF) {
      handOff(gen, bits);
    } else {
      gen.resize(1 + (int) ((long) field(bits, 17, 16) * run.maxLimit() >>> 16));
    }
    if (field(bits, 46, 14) == 0) {
      Generation next = run.newGeneration(bits);
      if (run.replace(gen, next)) {
        gen.close(field(bits, 40, 3) == 0);
      }
    }
  }

  // ---------------------------------------------------------------- blocking and try requests

  /**
   * One blocking, try or timed request; books the permit if granted.
   *
   * @return the holding, or null if no permit came (refused, timed out, interrupted, failed)
   */
  private Holding attempt(Generation gen, long bits, int weight, Outcome kind) {
    long start = gen.epoch();
    boolean closedAtStart = gen.closeFinished();
    Semaphore semaphore = gen.semaphore;
    Permit permit;
    try {
      permit =
          switch (kind) {
            case GRANTED_ACQUIRE -> semaphore.acquire(weight);
            case GRANTED_TRY -> semaphore.tryAcquire(weight).orElse(null);
            default -> semaphore.tryAcquire(weight, TIMEOUTS[field(bits, 33, 3)]).orElse(null);
          };
    } catch (InterruptedException e) {
      run.tally(Outcome.INTERRUPTED);
      return null;
    } catch (SemaphoreClosedException e) {
      gen.closedFailure(e, kind.label() + "(" + weight + ")");
      return null;
    } catch (IllegalArgumentException e) {
      gen.tooLargeFailure(weight, start, e, kind.label() + "(" + weight + ")");
      return null;
    }
    if (permit == null) {
      run.tally(kind == Outcome.GRANTED_TRY ? Outcome.REFUSED : Outcome.TIMED_OUT);
      return null;
    }
    return gen.register(permit, weight, start, closedAtStart, kind);
  }

  private void use(Generation gen, long bits, Holding holding) {
    if (holding != null) {
      hold(bits);
      gen.release(holding, field(bits, 40, 3) == 0);
    }
  }

  /** Keeps a permit a little while, so that others find it taken: mostly not at all. */
  private static void hold(long bits) {
    int how = field(bits, 36, 4);
    if (how < 8) {
      return;
    }
    if (how < 15) {
      for (int i = (how - 7) * 16; i > 0; i--) {
        Thread.onSpinWait();
      }
    } else {
      Thread.yield();
    }
  }

  // ---------------------------------------------------------------- asynchronous requests

  private void async(Generation gen, long bits) {
    int weight = weight(gen, bits);
    long start = gen.epoch();
    boolean closedAtStart = gen.closeFinished();
    CompletableFuture<Permit> future;
    try {
      future = gen.semaphore.acquireAsync(weight);
    } catch (IllegalArgumentException e) {
      gen.tooLargeFailure(weight, start, e, "acquireAsync(" + weight + ")");
      return;
    } catch (SemaphoreClosedException e) {
      run.violation(
          "async",
          "acquireAsync(" + weight + ") threw " + e + " instead of failing its future");
      return;
    }
    int variant = field(bits, 43, 2);
    if (variant == 3 && pendingCallbacks.get() >= MAX_PENDING_CALLBACKS) {
      variant = 0;
    }
    switch (variant) {
      case 0 -> {
        if (field(bits, 36, 4) >= 12) {
          Thread.yield(); // give the request a chance to be granted first
        }
        cancel(gen, bits, future, weight, start, closedAtStart);
      }
      case 1, 2 -> {
        Permit permit;
        try {
          permit =
              variant == 1
                  ? future.get()
                  : future.get(GET_TIMEOUT_NANOS[field(bits, 33, 2)], TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
          run.tally(Outcome.INTERRUPTED);
          cancel(gen, bits, future, weight, start, closedAtStart);
          return;
        } catch (TimeoutException e) {
          run.tally(Outcome.GET_TIMED_OUT);
          cancel(gen, bits, future, weight, start, closedAtStart);
          return;
        } catch (ExecutionException e) {
          asyncFailure(gen, e.getCause(), weight, start);
          return;
        }
        use(gen, bits, gen.register(permit, weight, start, closedAtStart, Outcome.GRANTED_ASYNC));
      }
      default -> callback(gen, bits, future, weight, start, closedAtStart);
    }
  }

  /**
   * Withdraws a request; if the cancel lost, the future is done, and its permit (if it holds
   * one) is closed, as Semaphore.acquireAsync's Javadoc asks of a caller that stops waiting.
   */
  private void cancel(
      Generation gen,
      long bits,
      CompletableFuture<Permit> future,
      int weight,
      long start,
      boolean closedAtStart) {
    if (future.cancel(false)) {
      run.tally(Outcome.CANCELLED);
      if (!future.isCancelled()) {
        run.violation("cancel", "cancel() returned true but the future says " + future.state());
      }
      return;
    }
    switch (future.state()) {
      case SUCCESS -> {
        run.tally(Outcome.CANCEL_LOST);
        Holding holding =
            gen.register(future.resultNow(), weight, start, closedAtStart, Outcome.GRANTED_ASYNC);
        use(gen, bits, holding);
      }
      case FAILED -> asyncFailure(gen, future.exceptionNow(), weight, start);
      case CANCELLED ->
          run.violation("cancel", "cancel() returned false, yet the future is cancelled");
      case RUNNING -> run.violation("cancel", "cancel() returned false on a future not yet done");
    }
  }

  /** Fire and forget: the permit is booked and closed by whichever thread completes the future. */
  private void callback(
      Generation gen,
      long bits,
      CompletableFuture<Permit> future,
      int weight,
      long start,
      boolean closedAtStart) {
    boolean closeTwice = field(bits, 40, 3) == 0; // decided here: the random is this thread's
    pendingCallbacks.incrementAndGet();
    run.callbackStarted();
    future.whenComplete(
        (permit, failure) -> {
          try {
            if (permit != null) {
              Holding holding =
                  gen.register(permit, weight, start, closedAtStart, Outcome.GRANTED_CALLBACK);
              gen.release(holding, closeTwice);
            } else {
              asyncFailure(gen, failure, weight, start);
            }
          } catch (Throwable t) {
            run.unexpected("an acquireAsync callback", t);
          } finally {
            pendingCallbacks.decrementAndGet();
            run.callbackEnded();
          }
        });
  }

  private void asyncFailure(Generation gen, Throwable failure, int weight, long start) {
    Throwable cause = failure;
    while ((cause instanceof CompletionException || cause instanceof ExecutionException)
        && cause.getCause() != null) {
      cause = cause.getCause();
    }
    String request = "acquireAsync(" + weight + ")";
    if (cause instanceof SemaphoreClosedException closed) {
      gen.closedFailure(closed, request);
    } else if (cause instanceof IllegalArgumentException tooLarge) {
      gen.tooLargeFailure(weight, start, tooLarge, request);
    } else {
      run.unexpected(request + "'s future", cause);
    }
  }

  // ---------------------------------------------------------------- several permits, other threads

  /** Holds one permit while trying for another (never waiting without a timeout). */
  private void nested(Generation gen, long bits) {
    Outcome kind = field(bits, 45, 1) == 0 ? Outcome.GRANTED_TRY : Outcome.GRANTED_TIMED;
    Holding first = attempt(gen, bits, weight(gen, bits), kind);
    if (first == null) {
      return;
    }
    int secondWeight = 1 + field(bits, 60, 1);
    Outcome secondKind = field(bits, 61, 1) == 0 ? Outcome.GRANTED_TRY : Outcome.GRANTED_TIMED;
    Holding second = attempt(gen, bits, secondWeight, secondKind);
    hold(bits);
    boolean twice = field(bits, 40, 3) == 0;
    if (second != null && field(bits, 62, 1) == 0) {
      gen.release(second, twice);
      second = null;
    }
    gen.release(first, twice);
    if (second != null) {
      gen.release(second, twice);
    }
  }

  /**
   * Hands a permit to whichever thread takes it from the queue, which closes it twice. One time
   * in four this thread closes it too, racing the receiver (the books are settled before either
   * close, so the race cannot fool the checker).
   */
  private void handOff(Generation gen, long bits) {
    Outcome kind = field(bits, 45, 1) == 0 ? Outcome.GRANTED_TRY : Outcome.GRANTED_TIMED;
    Holding holding = attempt(gen, bits, weight(gen, bits), kind);
    if (holding == null) {
      return;
    }
    if (field(bits, 62, 2) == 0) {
      gen.unregister(holding);
      if (run.offerHandoff(holding)) {
        run.tally(Outcome.HANDOFF);
        run.tally(Outcome.RACED_CLOSE);
      }
      holding.permit.close();
      gen.checkReleased(holding);
    } else if (run.offerHandoff(holding)) {
      run.tally(Outcome.HANDOFF);
    } else {
      gen.release(holding, false);
    }
  }

  private void releaseHandedOff() {
    Holding holding = run.pollHandoff();
    if (holding != null) {
      holding.generation.release(holding, true);
    }
  }

  // ---------------------------------------------------------------- helpers

  /** 60%: 1; 25%: 1 to 3; 15%: 1 to the limit (capped by the limit read now). */
  private static int weight(Generation gen, long bits) {
    int limit = Math.max(1, gen.semaphore.limit());
    int kind = field(bits, 10, 7);
    int fraction = field(bits, 17, 16);
    if (kind < 77 || limit == 1) {
      return 1;
    }
    int range = kind < 109 ? Math.min(limit, 3) : limit;
    return 1 + (int) ((long) fraction * range >>> 16);
  }

  private static int field(long bits, int shift, int width) {
    return (int) (bits >>> shift) & ((1 << width) - 1);
  }
}
