package io.permits.file;

import io.permits.file.SlotLayout.Header;
import io.permits.file.SlotLayout.Removal;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import org.jspecify.annotations.Nullable;

/**
 * The users lock of one open semaphore file (lock byte {@link SlotLayout#USERS}): this JVM
 * holds it shared for as long as it has the file open, and the last process to let go of a file
 * recorded as {@linkplain Header#removeWhenUnused() removed when unused} takes it exclusively to
 * remove the file. Used by {@link SlotFile} on the file's I/O thread, once when this JVM opens the
 * file ({@link #join()}) and once when it closes it ({@link #leave()}).
 */
final class UsersLock {

  /*
   * Implementation notes. Removing a lock file is unsafe in general: if process A has the file
   * open and B deletes the path, a newcomer C creates a new file at the same path, and A and C
   * lock different files: twice the limit. Three rules make the removal safe by construction, not
   * by timing:
   *
   * 1. Users hold the users lock shared. Every process that uses a file (its semaphores, permits,
   *    waits, and status reads) does so only while holding a shared lock on the users byte, taken
   *    once per JVM when the file is opened (join) and let go when the JVM's last use of it ends
   *    (leave). Java's file locks belong to the JVM, so SlotFile keeps one channel and one users
   *    lock per file and JVM.
   * 2. Only the exclusive holder removes, and marks first. A process removes the file only while
   *    holding the users lock exclusively (so no other process has it open as a user), and writes
   *    the removal mark (magic "REMOVED1" and the file's key) into the file before it unlinks the
   *    path. A mark is never cleared once the path is unlinked; it is cleared, still under the
   *    exclusive lock, only if the unlink failed (the path still names the file, and it is usable
   *    again).
   * 3. Joiners check for the mark. A process that opened the path takes the users lock shared,
   *    then reads the mark through the channel it opened. No mark: the file has never been
   *    removed (rule 2: any unlink of it came after a mark, in an exclusive hold that ended before
   *    this shared one began, so the mark would be seen), and it will not be while the lock is
   *    held (rule 1). So the path names the file this process opened for as long as it uses it.
   *    A mark, or a shared lock refused (another process holds it exclusively, removing): close
   *    the channel and open the path again (SlotFile retries, with a bounded patience).
   *
   * Invariant: at any time, every process using a semaphore's file uses the one file its path
   * names. Hence all of them lock the same slots, and the bound holds as if nothing were ever
   * removed.
   *
   * Leaving: let go of the shared lock, read the header's flag (set by any opener that asked for
   * removal, never cleared), and only if set try the exclusive lock. Refused: another process has
   * the file open, and its own leave will remove it. Granted: no other process has it open. Then
   * read the mark: none means no one removed the file while this JVM held it or in the moment
   * between letting go and taking the exclusive lock (a process that did would have left its mark
   * in the file: rule 2), so the path still names it: read the path's key (stat, which opens
   * nothing, so it drops no lock), write the mark with that key, unlink the path, let go. Found a
   * mark: another last user got there first (or died there), see below.
   *
   * A remover that dies between writing the mark and unlinking (kill -9 in those microseconds)
   * leaves a marked file at the path, which every joiner would refuse forever. So a joiner (or a
   * leaver) that finds a mark tries the exclusive lock and, holding it, compares the key in the
   * mark with the key of what the path names now: equal means the path still names this very file
   * (it is open here, so its device and inode number cannot have been reused by another file), and
   * the joiner finishes the removal; different, or no file, means it was removed already. The
   * unlink is by path: it is correct only because the exclusive lock is held and the path is known
   * to name the locked file, which is why every unlink here happens inside that check.
   *
   * Neither lock is ever waited for in the kernel (only tried), as for the mutex: a process
   * stopped while holding the exclusive lock must not hang this JVM's I/O thread. A file whose key
   * the file system does not give (fileKey() null) is never marked, so never removed; nor is a
   * path that is a symbolic link. Deleting the file by hand, or a process that does not take the
   * users lock (an older version of this library), is outside these rules.
   */

  private final FileChannel channel;
  private final Path file;
  private @Nullable FileLock shared; // held from join to leave

  UsersLock(FileChannel channel, Path file) {
    this.channel = channel;
    this.file = file;
  }

  /** What {@link #join()} found. */
  enum Joined {
    /** The users lock is held shared: the path names the file open here while it is. */
    JOINED,
    /** Another process holds the users lock exclusively: it is removing the file. */
    BEING_REMOVED,
    /** The file is marked removed: the path names another file, none, or (for now) this one. */
    REMOVED
  }

  /** Takes the users lock shared and checks that the file was not removed (see the notes). */
  Joined join() throws IOException {
    if (shared != null) {
      throw new IllegalStateException("joined " + file + " twice");
    }
    if (readRemoval() == null) {
      FileLock lock = channel.tryLock(SlotLayout.USERS, 1, true);
      if (lock == null) {
        return Joined.BEING_REMOVED;
      }
      if (readRemoval() == null) {
        shared = lock;
        return Joined.JOINED;
      }
      lock.release();
    }
    finishRemoval();
    return Joined.REMOVED;
  }

  /**
   * Lets go of the users lock and, if the file is to be removed when unused and no other process
   * has it open, removes it. Call once, when this JVM's last use of the file ends, before the
   * channel closes.
   */
  void leave() throws IOException {
    FileLock lock = shared;
    if (lock == null) {
      return; // never joined
    }
    shared = null;
    lock.release();
    Header header = readHeader();
    if (header == null || !header.removeWhenUnused()) {
      return;
    }
    FileLock exclusive = channel.tryLock(SlotLayout.USERS, 1, false);
    if (exclusive == null) {
      return; // another process has it open: the last of them removes it
    }
    try {
      Removal removed = readRemoval();
      if (removed != null) {
        unlinkIfStillNamed(removed); // another leaver got here first, or died here
        return;
      }
      // no mark: the path names this file (see the notes)
      BasicFileAttributes named = attributesAtPath();
      if (named == null || !named.isRegularFile() || named.fileKey() == null) {
        return; // removed by hand, a symbolic link, or no key to recover by: leave it
      }
      Removal removal = new Removal(String.valueOf(named.fileKey()));
      write(removal.encode(), SlotLayout.REMOVAL_MARK);
      unlink();
    } finally {
      exclusive.release();
    }
  }

  /** Finishes the removal of a marked file whose remover died before unlinking it, if so. */
  private void finishRemoval() throws IOException {
    FileLock exclusive = channel.tryLock(SlotLayout.USERS, 1, false);
    if (exclusive == null) {
      return; // another process has it (a joiner about to see the mark, or a remover)
    }
    try {
      Removal removed = readRemoval();
      if (removed != null) {
        unlinkIfStillNamed(removed);
      }
    } finally {
      exclusive.release();
    }
  }

  /** Unlinks the path if it names the marked file; the exclusive lock is held. */
  private void unlinkIfStillNamed(Removal removed) throws IOException {
    BasicFileAttributes named = attributesAtPath();
    if (named != null
        && named.fileKey() != null
        && removed.fileKey().equals(String.valueOf(named.fileKey()))) {
      unlink();
    }
  }

  /**
   * Unlinks the path, which names the marked file open here; the exclusive lock is held. If the
   * unlink is refused (a directory this user may not change), the mark is cleared: nothing was
   * removed, so the file is as usable as before.
   */
  private void unlink() throws IOException {
    try {
      Files.delete(file);
    } catch (NoSuchFileException gone) {
      // deleted by hand meanwhile: no path names this file any more, the mark stays
    } catch (IOException refused) {
      write(Removal.cleared(), SlotLayout.REMOVAL_MARK);
      throw refused;
    }
  }

  private @Nullable BasicFileAttributes attributesAtPath() throws IOException {
    try {
      return Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
    } catch (NoSuchFileException gone) {
      return null;
    }
  }

  private @Nullable Removal readRemoval() throws IOException {
    return Removal.decode(read(Removal.SIZE, SlotLayout.REMOVAL_MARK));
  }

  private @Nullable Header readHeader() throws IOException {
    return Header.decode(read(Header.SIZE, 0));
  }

  private ByteBuffer read(int size, long position) throws IOException {
    ByteBuffer buffer = ByteBuffer.allocate(size);
    while (buffer.hasRemaining()) {
      if (channel.read(buffer, position + buffer.position()) < 0) {
        break; // past the end: a short buffer
      }
    }
    return buffer.flip();
  }

  private void write(ByteBuffer buffer, long position) throws IOException {
    while (buffer.hasRemaining()) {
      channel.write(buffer, position + buffer.position());
    }
  }
}
