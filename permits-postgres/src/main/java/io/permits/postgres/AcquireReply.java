package io.permits.postgres;

/**
 * The acquire function's reply (see schema.sql), read once.
 *
 * @param outcome what the function did
 * @param token the lease's fencing token, if granted
 * @param millis if granted, the ms the lease has left by the server's clock; if not, the ms until
 *     the first lease held expires (-1: none is held)
 * @param limit the semaphore's limit
 * @param version the limit's version
 */
record AcquireReply(Outcome outcome, long token, long millis, int limit, long version) {

  /** What an acquire did. */
  enum Outcome {
    /** The id holds a lease: granted now, or before (a second run, a hand-over). */
    GRANTED,
    /** Not granted; queued or refreshed if the request waits. */
    NOT_GRANTED,
    /** More permits than the limit: it can never be granted (its ticket, if any, is gone). */
    TOO_LARGE,
    /** The id was given up (cancelled), or its grant lapsed before its client heard of it. */
    SPENT
  }

  static Outcome outcome(int code) {
    return switch (code) {
      case 1 -> Outcome.GRANTED;
      case 0 -> Outcome.NOT_GRANTED;
      case -1 -> Outcome.TOO_LARGE;
      case -2 -> Outcome.SPENT;
      default -> throw new IllegalStateException("unknown acquire outcome " + code);
    };
  }
}
