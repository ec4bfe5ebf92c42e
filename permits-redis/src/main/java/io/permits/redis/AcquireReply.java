package io.permits.redis;

import java.util.List;

/**
 * The acquire script's reply (see acquire.lua), parsed once.
 *
 * @param outcome what the script did
 * @param token the lease's fencing token, if granted
 * @param millis if granted, the ms the lease has left by the server's clock; if not, the ms until
 *     the first lease held expires (-1: none is held)
 * @param limit if too large, the limit (with {@code version}, its version)
 * @param version the limit's version, if too large
 */
record AcquireReply(Outcome outcome, long token, long millis, int limit, long version) {

  /** What an acquire script did. */
  enum Outcome {
    /** The id holds a lease: granted now, or before (a resent script, a hand-over). */
    GRANTED,
    /** Not granted; queued or refreshed if the request waits. */
    NOT_GRANTED,
    /** More permits than the limit: it can never be granted (its ticket, if any, is gone). */
    TOO_LARGE,
    /** The id was given up (cancelled), or its grant lapsed before its client heard of it. */
    SPENT
  }

  static AcquireReply parse(List<Object> reply) {
    long[] values = new long[3];
    for (int i = 1; i < reply.size(); i++) {
      values[i - 1] = (Long) reply.get(i);
    }
    return switch (((Long) reply.get(0)).intValue()) {
      case 1 -> new AcquireReply(Outcome.GRANTED, values[0], values[1], 0, 0);
      case 0 -> new AcquireReply(Outcome.NOT_GRANTED, 0, values[0], 0, 0);
      case -1 -> new AcquireReply(Outcome.TOO_LARGE, 0, 0, (int) values[0], values[1]);
      case -2 -> new AcquireReply(Outcome.SPENT, 0, 0, 0, 0);
      default -> throw new IllegalStateException("unknown acquire reply " + reply);
    };
  }
}
