package io.permits.backend;

import io.permits.LocalSemaphore;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

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
   * then one thread at a time (whoever wins updating) sets the gate to the newest known limit, and
   * after letting go checks again, since a newer report may have come in while it held the flag and
   * its reporter left seeing the flag taken. No lock is held while the gate's limit changes (which
   * may fail futures of queued requests, running their callbacks). A closed gate follows too: its
   * permits may still be held and returned, and available() after a close must still add up to the
   * limit, even when a close races a setLimit.
   */

  private record Known(int limit, long version) {}

  private final LocalSemaphore gate;
  private final AtomicReference<Known> newest;
  private final AtomicBoolean updating = new AtomicBoolean();
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
    while (appliedVersion < version) {
      report(limit, version); // take over if the thread that held the flag has left
      Thread.onSpinWait();
    }
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
    while (!settled() && updating.compareAndSet(false, true)) {
      try {
        Known target = newest.get();
        if (gate.limit() != target.limit()) {
          gate.setLimit(target.limit());
        }
        appliedVersion = Math.max(appliedVersion, target.version());
      } finally {
        updating.set(false);
      }
    }
  }

  private boolean settled() {
    Known target = newest.get();
    return gate.limit() == target.limit() && appliedVersion >= target.version();
  }
}
