package io.permits;

import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * Calls to a semaphore's listener. This class itself calls nothing: it is {@link #NONE}, so
 * callers never ask whether a listener is set (HikariCP's no-op leak task); {@link #of} returns
 * a {@link Guarded} one when listeners are given, which logs a listener that throws once and goes
 * on (Caffeine's {@code GuardedStatsCounter}).
 */
class ListenerCalls {

  /** No listener: every call does nothing. */
  static final ListenerCalls NONE = new ListenerCalls();

  /** Calls to {@code listeners} (none: {@link #NONE}) of the semaphore {@code name}. */
  static ListenerCalls of(String name, List<SemaphoreListener> listeners) {
    return switch (listeners.size()) {
      case 0 -> NONE;
      case 1 -> new Guarded(name, listeners.get(0));
      default -> new Guarded(name, new Fanout(List.copyOf(listeners)));
    };
  }

  /** Whether a listener is set: each permit must then be observed. */
  boolean any() {
    return false;
  }

  void attached(Semaphore semaphore) {}

  void acquired(int permits, long waitedNanos) {}

  void released(int permits, long heldNanos) {}

  void rejected(int permits) {}

  /** A queued request that ended without a grant: a timeout, or cancelled (any other way). */
  void gaveUp(Outcome outcome, int permits, long waitedNanos) {}

  void leaked(int permits, long heldNanos) {}

  /** A listener's calls, each guarded. */
  private static final class Guarded extends ListenerCalls {
    private static final System.Logger LOG = System.getLogger("io.permits");

    private final String name;
    private final SemaphoreListener listener;
    private final AtomicBoolean failureLogged = new AtomicBoolean();

    Guarded(String name, SemaphoreListener listener) {
      this.name = name;
      this.listener = listener;
    }

    @Override
    boolean any() {
      return true;
    }

    @Override
    void attached(Semaphore semaphore) {
      try {
        listener.attached(semaphore);
      } catch (RuntimeException e) {
        failed(e);
      }
    }

    @Override
    void acquired(int permits, long waitedNanos) {
      try {
        listener.acquired(name, permits, waitedNanos);
      } catch (RuntimeException e) {
        failed(e);
      }
    }

    @Override
    void released(int permits, long heldNanos) {
      try {
        listener.released(name, permits, heldNanos);
      } catch (RuntimeException e) {
        failed(e);
      }
    }

    @Override
    void rejected(int permits) {
      try {
        listener.rejected(name, permits);
      } catch (RuntimeException e) {
        failed(e);
      }
    }

    @Override
    void gaveUp(Outcome outcome, int permits, long waitedNanos) {
      try {
        if (outcome == Outcome.TIMEOUT) {
          listener.timedOut(name, permits, waitedNanos);
        } else {
          listener.cancelled(name, permits, waitedNanos);
        }
      } catch (RuntimeException e) {
        failed(e);
      }
    }

    @Override
    void leaked(int permits, long heldNanos) {
      try {
        listener.leaked(name, permits, heldNanos);
      } catch (RuntimeException e) {
        failed(e);
      }
    }

    private void failed(RuntimeException e) {
      if (failureLogged.compareAndSet(false, true)) {
        LOG.log(
            System.Logger.Level.WARNING,
            "A listener of semaphore '" + name + "' threw; the semaphore goes on (logged once)",
            e);
      }
    }
  }

  /** Several listeners, called in order; one that throws does not stop the others. */
  private record Fanout(List<SemaphoreListener> listeners) implements SemaphoreListener {
    @Override
    public void attached(Semaphore semaphore) {
      each(l -> l.attached(semaphore));
    }

    @Override
    public void acquired(String semaphore, int permits, long waitedNanos) {
      each(l -> l.acquired(semaphore, permits, waitedNanos));
    }

    @Override
    public void released(String semaphore, int permits, long heldNanos) {
      each(l -> l.released(semaphore, permits, heldNanos));
    }

    @Override
    public void rejected(String semaphore, int permits) {
      each(l -> l.rejected(semaphore, permits));
    }

    @Override
    public void timedOut(String semaphore, int permits, long waitedNanos) {
      each(l -> l.timedOut(semaphore, permits, waitedNanos));
    }

    @Override
    public void cancelled(String semaphore, int permits, long waitedNanos) {
      each(l -> l.cancelled(semaphore, permits, waitedNanos));
    }

    @Override
    public void leaked(String semaphore, int permits, long heldNanos) {
      each(l -> l.leaked(semaphore, permits, heldNanos));
    }

    private void each(Consumer<SemaphoreListener> call) {
      RuntimeException first = null;
      for (SemaphoreListener l : listeners) {
        try {
          call.accept(l);
        } catch (RuntimeException e) {
          if (first == null) {
            first = e;
          } else {
            first.addSuppressed(e);
          }
        }
      }
      if (first != null) {
        throw first;
      }
    }
  }
}
