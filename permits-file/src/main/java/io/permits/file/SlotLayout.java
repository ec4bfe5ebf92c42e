package io.permits.file;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.jspecify.annotations.Nullable;

/**
 * Where things are in a semaphore's file ({@code NAME.permits}). All locks are advisory
 * {@code fcntl} byte-range locks (Java's {@link java.nio.channels.FileLock}), so the bytes a
 * lock covers and the bytes that hold data are independent:
 *
 * <pre>
 *   lock byte 0                      the mutex: held for the few microseconds of a grant,
 *                                    a limit change or a read of who holds what
 *   lock byte 1                      the users lock: shared by every process that has the
 *                                    file open, exclusive to remove it (see UsersLock)
 *   bytes 0..4095                    the header: magic "PERMITS1", limit, high waters,
 *                                    limit version, flags (bit 0: remove when unused)
 *   bytes 1024..                     the removal mark, written just before the file is
 *                                    removed: magic "REMOVED1" and the file's key
 *   lock byte SLOT_LOCKS + i         slot i: held by the process that holds permit slot i
 *   lock byte WAITER_LOCKS + j       waiter j: held by a process while one request waits
 *   bytes 4096 + (2i) * 512          slot i's holder record (pid, host, command, since)
 *   bytes 4096 + (2j + 1) * 512      waiter j's record
 * </pre>
 *
 * <p>The lock bytes lie far past the end of the file (locking beyond the end is allowed and
 * does not grow it); the records are interleaved so the file stays about 1 KiB per permit.
 */
final class SlotLayout {

  /** The largest limit a file semaphore accepts. */
  static final int MAX_LIMIT = 1 << 16;

  /** The most requests that can be registered as waiting at once (more still wait, unlisted). */
  static final int MAX_WAITERS = 1 << 16;

  static final long MUTEX = 0;
  static final long USERS = 1;
  static final long SLOT_LOCKS = 1L << 40;
  static final long WAITER_LOCKS = SLOT_LOCKS + (1L << 30);
  static final int HEADER_SIZE = 4096;
  static final int RECORD_SIZE = 512;
  static final long REMOVAL_MARK = 1024;

  private static final byte[] MAGIC = "PERMITS1".getBytes(StandardCharsets.US_ASCII);
  private static final int HEADER_BYTES = 28; // magic and five ints
  private static final int FIRST_HEADER_BYTES = 24; // before the flags: they read as 0
  private static final int REMOVE_WHEN_UNUSED = 1; // a flag
  private static final byte[] REMOVED = "REMOVED1".getBytes(StandardCharsets.US_ASCII);
  private static final int MAX_KEY_BYTES = 256;

  private SlotLayout() {}

  static long holderRecord(int slot) {
    return HEADER_SIZE + 2L * slot * RECORD_SIZE;
  }

  static long waiterRecord(int waiter) {
    return HEADER_SIZE + (2L * waiter + 1) * RECORD_SIZE;
  }

  /**
   * The header's fields.
   *
   * @param limit the number of permits
   * @param highWater one past the highest slot that may be held: above the limit after a
   *     shrink until the holders of the slots above it have let go
   * @param waiterHighWater one past the highest waiter index in use
   * @param limitVersion how many times the limit was changed: lets a JVM tell a limit it read
   *     before a change from one it read after
   * @param removeWhenUnused whether the last process to let go of the file removes it: set by
   *     the first process that opens it asking for that, never cleared (a file written before
   *     this flag existed has zeros there)
   */
  record Header(
      int limit, int highWater, int waiterHighWater, int limitVersion, boolean removeWhenUnused) {

    static final int SIZE = HEADER_BYTES;

    /** Reads a header, or returns null when the buffer does not start with the magic. */
    static @Nullable Header decode(ByteBuffer buffer) {
      if (buffer.remaining() < FIRST_HEADER_BYTES) {
        return null;
      }
      byte[] magic = new byte[MAGIC.length];
      buffer.get(magic);
      if (!Arrays.equals(magic, MAGIC)) {
        return null;
      }
      int limit = buffer.getInt();
      int highWater = buffer.getInt();
      int waiterHighWater = buffer.getInt();
      int limitVersion = buffer.getInt();
      int flags = buffer.remaining() >= Integer.BYTES ? buffer.getInt() : 0;
      return new Header(
          limit, highWater, waiterHighWater, limitVersion, (flags & REMOVE_WHEN_UNUSED) != 0);
    }

    ByteBuffer encode() {
      ByteBuffer buffer = ByteBuffer.allocate(HEADER_BYTES);
      buffer.put(MAGIC).putInt(limit).putInt(highWater).putInt(waiterHighWater);
      buffer.putInt(limitVersion).putInt(removeWhenUnused ? REMOVE_WHEN_UNUSED : 0);
      return buffer.flip();
    }

    /** A new limit; slots up to the old one may still be held, so the high water keeps it. */
    Header withLimit(int newLimit) {
      return new Header(
          newLimit, Math.max(highWater, limit), waiterHighWater, limitVersion + 1,
          removeWhenUnused);
    }

    Header withHighWater(int newHighWater) {
      return new Header(limit, newHighWater, waiterHighWater, limitVersion, removeWhenUnused);
    }

    Header withWaiterHighWater(int newWaiterHighWater) {
      return new Header(limit, highWater, newWaiterHighWater, limitVersion, removeWhenUnused);
    }

    Header removedWhenUnused() {
      return new Header(limit, highWater, waiterHighWater, limitVersion, true);
    }
  }

  /**
   * The removal mark, at {@link #REMOVAL_MARK}: written by the process about to remove the file
   * (holding the users lock exclusively), with the file's key ({@code fileKey().toString()}, a
   * device and inode number) so that another process can tell whether the path still names this
   * file if the remover died before removing it.
   *
   * @param fileKey the key of the file the mark is in
   */
  record Removal(String fileKey) {

    static final int SIZE = REMOVED.length + Short.BYTES + MAX_KEY_BYTES;

    /** Reads a mark, or returns null when there is none. */
    static @Nullable Removal decode(ByteBuffer buffer) {
      if (buffer.remaining() < REMOVED.length + Short.BYTES) {
        return null;
      }
      byte[] magic = new byte[REMOVED.length];
      buffer.get(magic);
      if (!Arrays.equals(magic, REMOVED)) {
        return null;
      }
      int length = buffer.getShort();
      if (length < 0 || length > buffer.remaining()) {
        return null; // cut short: not a mark this code wrote
      }
      byte[] key = new byte[length];
      buffer.get(key);
      return new Removal(new String(key, StandardCharsets.UTF_8));
    }

    /**
     * The mark's bytes.
     *
     * @throws IllegalArgumentException if the key is longer than the room for it
     */
    ByteBuffer encode() {
      byte[] key = fileKey.getBytes(StandardCharsets.UTF_8);
      if (key.length > MAX_KEY_BYTES) {
        throw new IllegalArgumentException("a file key of " + key.length + " bytes: " + fileKey);
      }
      ByteBuffer buffer = ByteBuffer.allocate(REMOVED.length + Short.BYTES + key.length);
      buffer.put(REMOVED).putShort((short) key.length).put(key);
      return buffer.flip();
    }

    /** Zeros over any mark: what clearing one writes. */
    static ByteBuffer cleared() {
      return ByteBuffer.allocate(SIZE);
    }
  }
}
