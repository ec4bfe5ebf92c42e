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
 *   bytes 0..4095                    the header: magic "PERMITS1", limit, high waters,
 *                                    limit version
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
  static final long SLOT_LOCKS = 1L << 40;
  static final long WAITER_LOCKS = SLOT_LOCKS + (1L << 30);
  static final int HEADER_SIZE = 4096;
  static final int RECORD_SIZE = 512;

  private static final byte[] MAGIC = "PERMITS1".getBytes(StandardCharsets.US_ASCII);
  private static final int HEADER_BYTES = 24; // magic and four ints

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
   */
  record Header(int limit, int highWater, int waiterHighWater, int limitVersion) {

    static final int SIZE = HEADER_BYTES;

    /** Reads a header, or returns null when the buffer does not start with the magic. */
    static @Nullable Header decode(ByteBuffer buffer) {
      if (buffer.remaining() < HEADER_BYTES) {
        return null;
      }
      byte[] magic = new byte[MAGIC.length];
      buffer.get(magic);
      if (!Arrays.equals(magic, MAGIC)) {
        return null;
      }
      return new Header(buffer.getInt(), buffer.getInt(), buffer.getInt(), buffer.getInt());
    }

    ByteBuffer encode() {
      ByteBuffer buffer = ByteBuffer.allocate(HEADER_BYTES);
      buffer.put(MAGIC).putInt(limit).putInt(highWater).putInt(waiterHighWater);
      buffer.putInt(limitVersion);
      return buffer.flip();
    }

    /** A new limit; slots up to the old one may still be held, so the high water keeps it. */
    Header withLimit(int newLimit) {
      return new Header(newLimit, Math.max(highWater, limit), waiterHighWater, limitVersion + 1);
    }

    Header withHighWater(int newHighWater) {
      return new Header(limit, newHighWater, waiterHighWater, limitVersion);
    }

    Header withWaiterHighWater(int newWaiterHighWater) {
      return new Header(limit, highWater, newWaiterHighWater, limitVersion);
    }
  }
}
