package io.permits;

/**
 * How a request that queued ended: the one vocabulary of the engine, the statistics, the JFR
 * {@code io.permits.Acquire} event's {@code outcome} field and the listener calls.
 */
enum Outcome {
  GRANTED("granted"),
  TIMEOUT("timeout"),
  INTERRUPTED("interrupted"),
  CANCELLED("cancelled"),
  CLOSED("closed"),
  /** A shrink of the limit made the request impossible. */
  TOO_LARGE("too large");

  private final String label;

  Outcome(String label) {
    this.label = label;
  }

  /** The word the JFR event records. */
  String label() {
    return label;
  }
}
