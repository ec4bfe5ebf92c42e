package io.permits;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * Permits held from a {@link LocalSync}. The first {@link #close()} flips {@code released}
 * with one CAS on this object (never shared between holders) and gives the permits back;
 * later calls do nothing.
 */
final class LocalPermit implements Permit {
  private final LocalSync sync;
  private final int permits;
  private volatile int released; // 0 while held, 1 once closed

  LocalPermit(LocalSync sync, int permits) {
    this.sync = sync;
    this.permits = permits;
  }

  @Override
  public int permits() {
    return permits;
  }

  @Override
  public boolean isHeld() {
    return released == 0;
  }

  @Override
  public void close() {
    if (released == 0 && RELEASED.compareAndSet(this, 0, 1)) {
      sync.release(permits);
    }
  }

  @Override
  public String toString() {
    return "Permit[" + permits + (released == 0 ? ", held]" : ", released]");
  }

  private static final VarHandle RELEASED;

  static {
    try {
      RELEASED = MethodHandles.lookup().findVarHandle(LocalPermit.class, "released", int.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }
}
