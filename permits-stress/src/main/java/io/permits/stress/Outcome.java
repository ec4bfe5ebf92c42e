package io.permits.stress;

/**
 * What the stress run counts, one counter per value in a {@link ModeReport}: grants by kind of
 * request, every expected way for a request to end without a permit, and the chaos applied.
 */
public enum Outcome {
  /** {@code acquire(n)} returned a permit. */
  GRANTED_ACQUIRE("acquire"),
  /** {@code tryAcquire(n)} returned a permit. */
  GRANTED_TRY("tryAcquire"),
  /** {@code tryAcquire(n, timeout)} returned a permit. */
  GRANTED_TIMED("timed"),
  /** An {@code acquireAsync(n)} future read by its worker held a permit. */
  GRANTED_ASYNC("async"),
  /** An {@code acquireAsync(n)} future completed a callback with a permit. */
  GRANTED_CALLBACK("callback"),
  /** {@code tryAcquire(n)} found the permits taken. */
  REFUSED("refused"),
  /** {@code tryAcquire(n, timeout)} ran out of time. */
  TIMED_OUT("timed out"),
  /** A wait ended with {@link InterruptedException}. */
  INTERRUPTED("interrupted"),
  /** {@code future.get(timeout)} ran out of time (the future was then cancelled). */
  GET_TIMED_OUT("get timed out"),
  /** A future's {@code cancel} won: the request was withdrawn. */
  CANCELLED("cancelled"),
  /** A future's {@code cancel} lost to a grant; the permit was closed instead. */
  CANCEL_LOST("cancel lost"),
  /** A request failed with {@link io.permits.SemaphoreClosedException} after a replacement. */
  CLOSED("closed"),
  /** A request failed with {@link IllegalArgumentException} because a shrink made it too large. */
  TOO_LARGE("too large"),
  /** A {@code setLimit} call. */
  RESIZE("resizes"),
  /** A close-and-replace of the live semaphore. */
  REPLACE("replacements"),
  /** A permit handed to another thread through the queue to be closed there. */
  HANDOFF("handoffs"),
  /** A permit closed by two threads at once. */
  RACED_CLOSE("raced closes"),
  /** A permit closed a second time by the same thread. */
  DOUBLE_CLOSE("double closes"),
  /** An interrupt sent by the chaos thread. */
  INTERRUPT_SENT("interrupts sent"),
  /**
   * A grant that brought the weight on the books exactly to the bound the checker allows: the
   * check had no slack (evidence that it is tight, not vacuous).
   */
  AT_BOUND("grants at the bound");

  private final String label;

  Outcome(String label) {
    this.label = label;
  }

  /**
   * The short name printed in the per-mode summary.
   *
   * @return a few words, lower case
   */
  public String label() {
    return label;
  }
}
