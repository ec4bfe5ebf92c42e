package io.permits.stress;

/**
 * An immutable snapshot of the permits one semaphore generation has granted and not yet had back,
 * as the workers saw them: the total weight held, and that weight broken down by each holding's
 * ceiling (the largest limit that was in force at some instant of its request). Swapped whole by
 * a compare-and-set, so a worker that adds its grant reads the total and the largest ceiling from
 * one consistent snapshot.
 */
final class Ledger {

  static final Ledger EMPTY = new Ledger(0, new long[0]);

  private final int held;
  // Sorted by ceiling, one entry per distinct ceiling with weight > 0: ceiling << 32 | weight.
  private final long[] entries;

  private Ledger(int held, long[] entries) {
    this.held = held;
    this.entries = entries;
  }

  /** The total weight held. */
  int held() {
    return held;
  }

  /** The largest ceiling of any holding, or 0 if nothing is held. */
  int ceiling() {
    return entries.length == 0 ? 0 : ceilingOf(entries[entries.length - 1]);
  }

  /** This ledger with {@code weight} more held under {@code ceiling}. */
  Ledger plus(int ceiling, int weight) {
    int i = find(ceiling);
    long[] next;
    if (i >= 0) {
      next = entries.clone();
      next[i] = entry(ceiling, weightOf(next[i]) + weight);
    } else {
      int at = -i - 1;
      next = new long[entries.length + 1];
      System.arraycopy(entries, 0, next, 0, at);
      next[at] = entry(ceiling, weight);
      System.arraycopy(entries, at, next, at + 1, entries.length - at);
    }
    return new Ledger(held + weight, next);
  }

  /** This ledger with {@code weight} less held under {@code ceiling}, which must be there. */
  Ledger minus(int ceiling, int weight) {
    int i = find(ceiling);
    if (i < 0 || weightOf(entries[i]) < weight) {
      throw new IllegalStateException(
          "the ledger holds no weight " + weight + " under ceiling " + ceiling + ": " + this);
    }
    int left = weightOf(entries[i]) - weight;
    long[] next;
    if (left > 0) {
      next = entries.clone();
      next[i] = entry(ceiling, left);
    } else {
      next = new long[entries.length - 1];
      System.arraycopy(entries, 0, next, 0, i);
      System.arraycopy(entries, i + 1, next, i, entries.length - i - 1);
    }
    return new Ledger(held - weight, next);
  }

  private int find(int ceiling) {
    int low = 0;
    int high = entries.length - 1;
    while (low <= high) {
      int mid = (low + high) >>> 1;
      int c = ceilingOf(entries[mid]);
      if (c < ceiling) {
        low = mid + 1;
      } else if (c > ceiling) {
        high = mid - 1;
      } else {
        return mid;
      }
    }
    return -(low + 1);
  }

  private static long entry(int ceiling, int weight) {
    return (long) ceiling << 32 | (weight & 0xFFFF_FFFFL);
  }

  private static int ceilingOf(long entry) {
    return (int) (entry >>> 32);
  }

  private static int weightOf(long entry) {
    return (int) entry;
  }

  /** For example {@code held 7 [ceiling 4: 3, ceiling 8: 4]}. */
  @Override
  public String toString() {
    StringBuilder text = new StringBuilder("held ").append(held).append(" [");
    for (int i = 0; i < entries.length; i++) {
      text.append(i == 0 ? "" : ", ")
          .append("ceiling ")
          .append(ceilingOf(entries[i]))
          .append(": ")
          .append(weightOf(entries[i]));
    }
    return text.append(']').toString();
  }
}
