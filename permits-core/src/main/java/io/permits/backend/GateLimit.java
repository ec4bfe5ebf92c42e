package io.permits.backend;

import io.permits.LocalSemaphore;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Keeps a backend's in-process gate (a {@link LocalSemaphore} with the shared limit, where the
 * threads of one process queue) at the limit recorded in the shared store — a file's header, a
 * Redis key — which any process may change. Used by {@link Gate}.
 */
final class GateLimit {

  /*
   * Implementation notes. Every store operation returns the limit with its version (a count of
   * limit changes kept with it), and threads report what they read in any order: a thread that read
   * limit 5 (version 3) may report after one that read 16 (version 4). Applying reports as they
   * come would put the gate back to 5, and the gate fails queued requests above its limit, so a
   * stale report would fail requests that were never impossible. So: a
   * report is kept only if its version is newer than the newest known (newest, compare-and-set);
   * then one thread at a time (whoever holds applying) sets the gate to the newest known limit, and
   * after letting go checks again, since a newer report may have come in while it held the lock and
   * its reporter left seeing it taken (report() only tries the lock). reportAndSettle() waits for
   * the lock instead, parked: it must not spin, since a spinning virtual thread keeps its carrier
   * and, with as many spinners as carriers, the holder could never run again to let go. A holder
   * that reports again from a callback of the gate's setLimit (the lock is reentrant) leaves it to
   * its own outer loop. A closed gate follows too: its
   * permits may still be held and returned, and available() after a close must still add up to the
   * limit, even when a close races a setLimit.
   */

  private record Known(int limit, long version) {}

  private final LocalSemaphore gate;
  private final AtomicReference<Known> newest;
  private final ReentrantLock applying = new ReentrantLock();
  private volatile long appliedVersion;

  /**
   * Follows the store's limit with {@code gate}.
   *
   * @param gate the in-process gate
   * @param limit the limit read when the backend opened
   * @param version its version
   */
  public GateLimit(LocalSemaphore gate, int limit, long version) {
    this.gate = gate;
    this.newest = new AtomicReference<>(new Known(limit, version));
    this.appliedVersion = version;
  }

  /**
   * Whether a limit read with {@code version} is newer than any reported so far.
   *
   * @param version the version read
   * @return whether reporting it would change what the gate follows
   */
  public boolean isNewer(long version) {
    return version > newest.get().version();
  }

  /**
   * Reports a limit and returns once the gate has it (or a newer one): for a backend's {@code
   * setLimit}, whose caller may make a request right after.
   *
   * @param limit the limit just written
   * @param version its version
   */
  public void reportAndSettle(int limit, long version) {
    report(limit, version);
    if (appliedVersion >= version || applying.isHeldByCurrentThread()) {
      return;
    }
    applying.lock(); // parks: the holder applies the newest, which is at least this one
    try {
      apply();
    } finally {
      applying.unlock();
    }
    report(limit, version); // anything newer that came in meanwhile
  }

  /**
   * Reports a limit read from the store with its version; the gate follows the newest.
   *
   * @param limit the limit read (below 1: nothing was read, ignored)
   * @param version its version
   */
  public void report(int limit, long version) {
    if (limit < 1) {
      return; // nothing was read
    }
    Known known;
    do {
      known = newest.get();
      if (version <= known.version()) {
        break;
      }
    } while (!newest.compareAndSet(known, new Known(limit, version)));
    if (applying.isHeldByCurrentThread()) {
      return; // from a callback of this thread's own setLimit: its loop checks again
    }
    while (!settled() && applying.tryLock()) {
      try {
        apply();
      } finally {
        applying.unlock();
      }
    }
  }

  /** Sets the gate to the newest known limit; called holding {@link #applying}. */
  private void apply() {
    Known target = newest.get();
    if (gate.limit() != target.limit()) {
      gate.setLimit(target.limit());
    }
    appliedVersion = Math.max(appliedVersion, target.version());
  }

  private boolean settled() {
    Known target = newest.get();
    return gate.limit() == target.limit() && appliedVersion >= target.version();
  }
}
