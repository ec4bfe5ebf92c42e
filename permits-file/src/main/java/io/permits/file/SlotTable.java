package io.permits.file;

import io.permits.file.SlotLayout.Header;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.locks.LockSupport;
import org.jspecify.annotations.Nullable;

/**
 * The operations on one semaphore file, each done under the file's mutex. Called only from the
 * file's I/O thread ({@link SlotFile}), so the maps of locks this JVM holds need no guard.
 *
 *
 * <ul>
 *   <li>Probing: whether another process holds slot i is learnt by trying its lock and letting
 *       go at once; under the mutex no grant elsewhere can see the probe's lock and skip the
 *       slot.
 *   <li>All-or-nothing: a request for n takes n free slots or, finding fewer, lets go of those
 *       it took, before anyone else looks.
 *   <li>The bound after a shrink: slots are taken only below the limit, but slots at or above
 *       it may still be held (up to the header's high water); while any is, a grant first
 *       counts every held slot, and takes only if the total stays within the limit.
 * </ul>
 *
 * <p>Order across processes: a request that has to wait registers a waiter record (its own
 * lock byte, so a dead waiter vanishes with its process). A grant is refused while live
 * waiters that arrived earlier need the free permits: it takes only what is left after every
 * earlier waiter's request, so requests are served in arrival order across processes, and a
 * large one is never overtaken. A waiter that has not polled for {@link
 * SlotRecord#STALE_AFTER_MILLIS} (a stopped process) is passed over.
 *
 * <p>The mutex is only ever tried, never waited for in the kernel: a process stopped inside its
 * few microseconds under the mutex (SIGSTOP, Ctrl-Z) would otherwise hang every other process's
 * I/O thread, releases included. Instead a grant attempt that cannot get it within {@link
 * #GRANT_PATIENCE_NANOS} is refused for now (a waiter polls again; a {@code tryAcquire} finds
 * nothing free), and the other operations fail after {@link #READ_PATIENCE_NANOS} naming the
 * likely cause. Releases need no mutex. While such a process stays stopped, no grant succeeds
 * anywhere; that is the price of a cross-process critical section, and it ends with SIGCONT.
 */
final class SlotTable {

  /*
   * Implementation notes. A permit is a slot, and a slot is held by holding an exclusive fcntl lock
   * on its byte; the kernel drops the locks of a process that exits, however it exits, so a crashed
   * holder's permits are free at once. Java's file locks belong to the whole JVM, so this JVM's
   * slots are kept in heldSlots and skipped when looking for free ones. Every grant, limit change
   * and count runs under the mutex (an exclusive lock on byte 0), which makes three things safe:
   */

  /** How long a grant attempt waits for the mutex before it counts as refused for now. */
  static final long GRANT_PATIENCE_NANOS = 20_000_000;

  /** How long the other operations wait for the mutex before they fail. */
  static final long READ_PATIENCE_NANOS = 2_000_000_000;

  private final FileChannel channel;
  private final Path file;
  private final Path directory;
  private final Map<Integer, FileLock> heldSlots = new HashMap<>();
  private final Map<Integer, FileLock> heldWaiters = new HashMap<>();
  private final Map<Integer, Long> waiterOwners = new HashMap<>();

  SlotTable(FileChannel channel, Path file) {
    this.channel = channel;
    this.file = file;
    this.directory =
        Objects.requireNonNull(file.getParent(), "a slot file's real path has a directory");
  }

  /** The outcome of a grant attempt. */
  record Attempt(int @Nullable [] slots, int limit, int limitVersion, int waiter) {
    boolean granted() {
      return slots != null;
    }
  }

  /**
   * Reads the header; creates it with {@code limit} if the file is new; checks or changes the
   * limit; records that the file is to be removed when unused, if asked (never clears it).
   *
   * @param limit the limit the caller expects, or null to accept what is recorded
   * @param removeWhenUnused whether to record that the last process to let go of the file
   *     removes it
   * @throws LimitMismatchException if the recorded limit differs and {@code change} is false
   * @throws NoSuchSemaphoreException if the file has no header and {@code limit} is null
   */
  Header open(String name, @Nullable Integer limit, boolean change, boolean removeWhenUnused)
      throws IOException {
    try (FileLock ignored = mutex()) {
      Header header = readHeader();
      if (header == null) {
        if (limit == null) {
          throw new NoSuchSemaphoreException(name, directory);
        }
        header = new Header(limit, limit, 0, 0, removeWhenUnused);
        writeHeader(header);
        return header;
      }
      if (limit != null && limit != header.limit()) {
        if (!change) {
          throw new LimitMismatchException(name, directory, header.limit(), limit);
        }
        header = header.withLimit(limit);
        writeHeader(header);
      }
      if (removeWhenUnused && !header.removeWhenUnused()) {
        header = header.removedWhenUnused();
        writeHeader(header);
      }
      return header;
    }
  }

  /**
   * Takes {@code permits} slots if the limit, the holders and the earlier waiters allow.
   *
   * @param request the request's record (as a holder)
   * @param waiter this request's waiter index, or -1 if it is not registered
   * @param register whether to register the request as a waiter if it is refused
   */
  Attempt tryGrant(int permits, SlotRecord request, int waiter, boolean register)
      throws IOException {
    FileLock mutex = tryMutex(GRANT_PATIENCE_NANOS);
    if (mutex == null) {
      // the mutex's holder may be stopped: refuse for now, stay in line, try again later
      Header header = readHeader();
      if (waiter >= 0) {
        heartbeat(waiter);
      }
      return header == null
          ? new Attempt(null, 0, -1, waiter)
          : new Attempt(null, header.limit(), header.limitVersion(), waiter);
    }
    try (mutex) {
      Header header = readHeader();
      if (header == null) {
        throw new IOException("the semaphore file " + file + " lost its header");
      }
      int limit = header.limit();
      if (permits <= limit && fits(permits, header, request, waiter)) {
        int[] slots = takeSlots(permits, limit);
        if (slots != null) {
          try {
            SlotRecord holder = request.granted(Instant.now());
            for (int slot : slots) {
              write(holder.encode(), SlotLayout.holderRecord(slot));
            }
          } catch (IOException | RuntimeException failure) {
            release(slots); // a disk full, say: the grant did not happen, so hold nothing
            throw failure;
          }
          if (waiter >= 0) {
            dropWaiter(waiter, request.requestId());
          }
          return new Attempt(slots, limit, header.limitVersion(), -1);
        }
      }
      if (waiter >= 0) {
        heartbeat(waiter);
      } else if (register && permits <= limit) {
        waiter = addWaiter(request);
      }
      return new Attempt(null, limit, header.limitVersion(), waiter);
    }
  }

  /** Lets go of slots this JVM holds: all of them, even if letting go of one fails. */
  void release(int[] slots) throws IOException {
    IOException first = null;
    for (int slot : slots) {
      FileLock lock = heldSlots.remove(slot);
      if (lock != null) {
        try {
          lock.release();
        } catch (IOException failure) {
          first = first == null ? failure : first;
        }
      }
    }
    if (first != null) {
      throw first;
    }
  }

  /**
   * Withdraws a registered waiter, if it is still this request's: the index may have been given
   * to another request since (after a grant withdrew it, say).
   */
  void withdraw(int waiter, long requestId) throws IOException {
    Long owner = waiterOwners.get(waiter);
    if (owner == null || owner != requestId) {
      return;
    }
    waiterOwners.remove(waiter);
    FileLock lock = heldWaiters.remove(waiter);
    if (lock != null) {
      lock.release();
    }
  }

  /** Sets the limit; slots above it stay held until their holders let go. */
  Header changeLimit(int limit) throws IOException {
    try (FileLock ignored = mutex()) {
      Header header = readHeader();
      if (header == null) {
        throw new IOException("the semaphore file " + file + " lost its header");
      }
      Header changed = header.withLimit(limit);
      writeHeader(changed);
      return changed;
    }
  }

  /** The limit, the permits held and the requests waiting, across all processes. */
  record Counts(int limit, int limitVersion, int held, int waiting) {}

  Counts counts() throws IOException {
    try (FileLock ignored = mutex()) {
      Header header = readHeader();
      if (header == null) {
        return new Counts(0, -1, 0, 0);
      }
      int held = countHeld(0, Math.max(header.limit(), header.highWater()));
      int waiting = liveWaiters(header).size();
      return new Counts(header.limit(), header.limitVersion(), held, waiting);
    }
  }

  /** The header and the records of every held slot and live waiter. */
  record Listing(int limit, List<SlotRecord> holders, List<SlotRecord> waiters) {}

  Listing listing() throws IOException {
    try (FileLock ignored = mutex()) {
      Header header = readHeader();
      if (header == null) {
        return new Listing(0, List.of(), List.of());
      }
      List<SlotRecord> holders = new ArrayList<>();
      int end = Math.max(header.limit(), header.highWater());
      for (int slot = 0; slot < end; slot++) {
        if (isHeld(slot)) {
          SlotRecord record = read(SlotLayout.holderRecord(slot));
          if (record != null) {
            holders.add(record);
          }
        }
      }
      return new Listing(header.limit(), holders, liveWaiters(header));
    }
  }

  int heldHere() {
    return heldSlots.size();
  }

  // ---- grants

  private boolean fits(int permits, Header header, SlotRecord request, int waiter)
      throws IOException {
    int limit = header.limit();
    boolean shrinkPending = header.highWater() > limit;
    if (shrinkPending && countHeld(limit, header.highWater()) == 0) {
      writeHeader(header.withHighWater(limit));
      shrinkPending = false;
    }
    List<SlotRecord> earlier = earlierWaiters(header, request, waiter);
    if (!shrinkPending && earlier.isEmpty()) {
      return true; // any free slot below the limit will do
    }
    int held = countHeld(0, Math.max(limit, header.highWater()));
    int ahead = 0;
    for (SlotRecord record : earlier) {
      ahead += record.permits();
    }
    return held + ahead + permits <= limit;
  }

  private int @Nullable [] takeSlots(int permits, int limit) throws IOException {
    int[] slots = new int[permits];
    int taken = 0;
    for (int slot = 0; slot < limit && taken < permits; slot++) {
      if (heldSlots.containsKey(slot)) {
        continue;
      }
      FileLock lock = channel.tryLock(SlotLayout.SLOT_LOCKS + slot, 1, false);
      if (lock != null) {
        heldSlots.put(slot, lock);
        slots[taken++] = slot;
      }
    }
    if (taken < permits) {
      for (int i = 0; i < taken; i++) {
        FileLock held = heldSlots.remove(slots[i]);
        if (held != null) { // put above
          held.release();
        }
      }
      return null;
    }
    return slots;
  }

  private int countHeld(int from, int to) throws IOException {
    int held = 0;
    for (int slot = from; slot < to; slot++) {
      if (isHeld(slot)) {
        held++;
      }
    }
    return held;
  }

  private boolean isHeld(int slot) throws IOException {
    return heldSlots.containsKey(slot) || !probe(SlotLayout.SLOT_LOCKS + slot);
  }

  /** Whether the lock byte is free: tries it and lets go at once. */
  private boolean probe(long position) throws IOException {
    FileLock lock = channel.tryLock(position, 1, false);
    if (lock == null) {
      return false;
    }
    lock.release();
    return true;
  }

  // ---- waiters

  private List<SlotRecord> earlierWaiters(Header header, SlotRecord request, int waiter)
      throws IOException {
    if (header.waiterHighWater() == 0) {
      return List.of();
    }
    SlotRecord me = waiter >= 0 ? read(SlotLayout.waiterRecord(waiter)) : null;
    long now = System.currentTimeMillis();
    List<SlotRecord> earlier = new ArrayList<>();
    for (SlotRecord other : liveWaiters(header)) {
      boolean before = me == null || other.arrivedBefore(me);
      boolean itself = other.pid() == request.pid() && other.requestId() == request.requestId();
      if (before && !itself && other.isFresh(now)) {
        earlier.add(other);
      }
    }
    return earlier;
  }

  private List<SlotRecord> liveWaiters(Header header) throws IOException {
    List<SlotRecord> live = new ArrayList<>();
    int highest = -1;
    for (int w = 0; w < header.waiterHighWater(); w++) {
      boolean held = heldWaiters.containsKey(w) || !probe(SlotLayout.WAITER_LOCKS + w);
      if (held) {
        highest = w;
        SlotRecord record = read(SlotLayout.waiterRecord(w));
        if (record != null && record.waiter()) {
          live.add(record);
        }
      }
    }
    if (highest + 1 < header.waiterHighWater()) {
      writeHeader(header.withWaiterHighWater(highest + 1));
    }
    return live;
  }

  private int addWaiter(SlotRecord request) throws IOException {
    for (int w = 0; w < SlotLayout.MAX_WAITERS; w++) {
      if (heldWaiters.containsKey(w)) {
        continue;
      }
      FileLock lock = channel.tryLock(SlotLayout.WAITER_LOCKS + w, 1, false);
      if (lock != null) {
        try {
          writeWaiter(w, request);
        } catch (IOException | RuntimeException failure) {
          lock.release();
          throw failure;
        }
        heldWaiters.put(w, lock);
        waiterOwners.put(w, request.requestId());
        return w;
      }
    }
    return -1; // every waiter index in use: wait unlisted
  }

  private void writeWaiter(int w, SlotRecord request) throws IOException {
    SlotRecord waiting = request.waiting(Instant.now());
    write(waiting.encode(), SlotLayout.waiterRecord(w));
    Header current = readHeader();
    if (current != null && w + 1 > current.waiterHighWater()) {
      writeHeader(current.withWaiterHighWater(w + 1));
    }
  }

  /** Withdraws the waiter of a request just granted; a failure here must not undo the grant. */
  private void dropWaiter(int waiter, long requestId) {
    try {
      withdraw(waiter, requestId);
    } catch (IOException failure) {
      // the lock byte stays held until this JVM ends; the grant stands
    }
  }

  private void heartbeat(int waiter) throws IOException {
    ByteBuffer beat = ByteBuffer.allocate(Long.BYTES).putLong(System.currentTimeMillis()).flip();
    write(beat, SlotLayout.waiterRecord(waiter) + SlotRecord.HEARTBEAT_OFFSET);
  }

  // ---- file access

  /**
   * Takes the mutex, waiting at most {@link #READ_PATIENCE_NANOS}.
   *
   * @throws IOException if another process holds it longer than that (a stopped process)
   */
  private FileLock mutex() throws IOException {
    FileLock mutex = tryMutex(READ_PATIENCE_NANOS);
    if (mutex == null) {
      throw new IOException(
          "another process has held the mutex of "
              + file
              + " for over "
              + READ_PATIENCE_NANOS / 1_000_000
              + " ms: is it stopped (SIGSTOP, Ctrl-Z)? /proc/locks shows its pid");
    }
    return mutex;
  }

  /**
   * Tries the mutex until it is free or {@code patienceNanos} pass. Never blocks in the kernel:
   * a process stopped while holding it (for the microseconds of its own attempt) must not hang
   * this JVM's I/O thread, which also serves releases.
   */
  private @Nullable FileLock tryMutex(long patienceNanos) throws IOException {
    long deadline = System.nanoTime() + patienceNanos;
    long pause = 10_000;
    while (true) {
      FileLock mutex = channel.tryLock(SlotLayout.MUTEX, 1, false);
      if (mutex != null) {
        return mutex;
      }
      if (System.nanoTime() - deadline >= 0) {
        return null;
      }
      LockSupport.parkNanos(pause);
      pause = Math.min(pause * 2, 1_000_000);
    }
  }

  private @Nullable Header readHeader() throws IOException {
    ByteBuffer buffer = ByteBuffer.allocate(Header.SIZE);
    readFully(buffer, 0);
    return Header.decode(buffer.flip());
  }

  private void writeHeader(Header header) throws IOException {
    write(header.encode(), 0);
  }

  private @Nullable SlotRecord read(long position) throws IOException {
    ByteBuffer buffer = ByteBuffer.allocate(SlotLayout.RECORD_SIZE);
    readFully(buffer, position);
    return SlotRecord.decode(buffer.flip());
  }

  private void readFully(ByteBuffer buffer, long position) throws IOException {
    while (buffer.hasRemaining()) {
      int read = channel.read(buffer, position + buffer.position());
      if (read < 0) {
        break; // past the end: the caller sees a short buffer
      }
    }
  }

  private void write(ByteBuffer buffer, long position) throws IOException {
    while (buffer.hasRemaining()) {
      channel.write(buffer, position + buffer.position());
    }
  }

  static UncheckedIOException unchecked(Path file, IOException failure) {
    return new UncheckedIOException(
        "semaphore file " + file + ": " + failure.getMessage(), failure);
  }
}
