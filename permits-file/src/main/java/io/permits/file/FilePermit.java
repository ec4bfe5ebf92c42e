package io.permits.file;

import io.permits.Permit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Permits of a {@link FileSemaphore}: slots locked in the file, and the same number of permits
 * of the semaphore's in-process gate. Closing lets go of the slots first, then of the gate's
 * permits, so this JVM never holds more slots than gate permits.
 */
final class FilePermit implements Permit {

  private final Permit gatePermit;
  private final SlotFile file;
  private final int[] slots;
  private final AtomicBoolean released = new AtomicBoolean();

  /** Takes over the gate permit and one use of {@code file}. */
  FilePermit(Permit gatePermit, SlotFile file, int[] slots) {
    this.gatePermit = gatePermit;
    this.file = file;
    this.slots = slots;
  }

  @Override
  public int permits() {
    return slots.length;
  }

  @Override
  public boolean isHeld() {
    return !released.get();
  }

  @Override
  public void close() {
    if (!released.compareAndSet(false, true)) {
      return;
    }
    try {
      file.release(slots);
    } finally {
      gatePermit.close();
      file.close();
    }
  }

  @Override
  public String toString() {
    return "FilePermit[" + slots.length + " of " + file.path() + (isHeld() ? "" : ", closed") + "]";
  }
}
