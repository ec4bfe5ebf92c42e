package io.permits.file;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * Who holds a slot, or waits: written by the process into its slot's (or waiter's) record right
 * after locking it, read by {@code holders()} and {@code permits status} for slots that are
 * locked. A record whose lock is free is stale (its process let go or died) and is ignored.
 *
 * @param waiter true for a waiting request, false for a holder
 * @param permits the request's weight
 * @param pid the process id
 * @param requestId identifies the request within its process (one request may hold many slots)
 * @param since when the request was granted (a holder) or started waiting (a waiter)
 * @param heartbeatMillis when a waiter last polled (wall clock, ms since the epoch): a waiter
 *     that stopped polling (a stopped process) is passed over after {@link #STALE_AFTER_MILLIS}
 * @param threadId the requesting thread's id
 * @param host the host name
 * @param thread the requesting thread's name
 * @param command the process's command line, or what it runs, or "" when not known
 */
record SlotRecord(
    boolean waiter,
    int permits,
    long pid,
    long requestId,
    Instant since,
    long heartbeatMillis,
    long threadId,
    String host,
    String thread,
    String command) {

  /** A waiter whose heartbeat is older than this is not waited for. */
  static final long STALE_AFTER_MILLIS = 2_000;

  /** Where the heartbeat lies in the record. */
  static final int HEARTBEAT_OFFSET = 36;

  private static final int HOLDER = 1;
  private static final int WAITER = 2;
  private static final int HOST_BYTES = 100;
  private static final int THREAD_BYTES = 100;

  ByteBuffer encode() {
    ByteBuffer buffer = ByteBuffer.allocate(SlotLayout.RECORD_SIZE);
    buffer
        .putInt(waiter ? WAITER : HOLDER)
        .putInt(permits)
        .putLong(pid)
        .putLong(requestId)
        .putLong(since.getEpochSecond())
        .putInt(since.getNano())
        .putLong(heartbeatMillis)
        .putLong(threadId);
    putString(buffer, host, HOST_BYTES);
    putString(buffer, thread, THREAD_BYTES);
    putString(buffer, command, buffer.remaining() - 2);
    return buffer.clear(); // the whole record, zero-padded: a shorter one leaves old bytes behind
  }

  /** Reads a record, or returns null if the bytes hold none (never written, or zeroed). */
  static @Nullable SlotRecord decode(ByteBuffer buffer) {
    try {
      return decodeOrThrow(buffer);
    } catch (BufferUnderflowException shortRecord) {
      return null; // cut short by the end of the file
    }
  }

  private static @Nullable SlotRecord decodeOrThrow(ByteBuffer buffer) {
    int kind = buffer.getInt();
    if (kind != HOLDER && kind != WAITER) {
      return null;
    }
    int permits = buffer.getInt();
    long pid = buffer.getLong();
    long requestId = buffer.getLong();
    Instant since = Instant.ofEpochSecond(buffer.getLong(), buffer.getInt());
    long heartbeat = buffer.getLong();
    long threadId = buffer.getLong();
    String host = getString(buffer);
    String thread = getString(buffer);
    String command = getString(buffer);
    return new SlotRecord(
        kind == WAITER, permits, pid, requestId, since, heartbeat, threadId, host, thread, command);
  }

  /** The same request as a holder, granted at {@code at}. */
  SlotRecord granted(Instant at) {
    return new SlotRecord(
        false, permits, pid, requestId, at, at.toEpochMilli(), threadId, host, thread, command);
  }

  /** The same request as a waiter, waiting since {@code at}. */
  SlotRecord waiting(Instant at) {
    return new SlotRecord(
        true, permits, pid, requestId, at, at.toEpochMilli(), threadId, host, thread, command);
  }

  /** Whether this waiter comes before {@code other} in arrival order (ties by pid, request). */
  boolean arrivedBefore(SlotRecord other) {
    int bySince = since.compareTo(other.since);
    if (bySince != 0) {
      return bySince < 0;
    }
    if (pid != other.pid) {
      return pid < other.pid;
    }
    return requestId < other.requestId;
  }

  /** Whether a waiter has polled recently enough to be waited for. */
  boolean isFresh(long nowMillis) {
    return nowMillis - heartbeatMillis <= STALE_AFTER_MILLIS;
  }

  private static void putString(ByteBuffer buffer, String value, int maxBytes) {
    byte[] bytes = truncate(value, maxBytes);
    buffer.putShort((short) bytes.length).put(bytes);
  }

  private static String getString(ByteBuffer buffer) {
    int length = Short.toUnsignedInt(buffer.getShort());
    if (length > buffer.remaining()) {
      return "";
    }
    byte[] bytes = new byte[length];
    buffer.get(bytes);
    return new String(bytes, StandardCharsets.UTF_8);
  }

  /** UTF-8 bytes of at most {@code maxBytes}, cut at a character boundary with an ellipsis. */
  static byte[] truncate(String value, int maxBytes) {
    byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
    if (bytes.length <= maxBytes) {
      return bytes;
    }
    StringBuilder kept = new StringBuilder();
    int used = 3; // the ellipsis
    for (int i = 0; i < value.length(); ) {
      int codePoint = value.codePointAt(i);
      int size = new String(Character.toChars(codePoint)).getBytes(StandardCharsets.UTF_8).length;
      if (used + size > maxBytes) {
        break;
      }
      kept.appendCodePoint(codePoint);
      used += size;
      i += Character.charCount(codePoint);
    }
    return kept.append('…').toString().getBytes(StandardCharsets.UTF_8);
  }
}
