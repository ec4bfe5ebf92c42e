package io.permits.file;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;

/**
 * One open semaphore file in this JVM, shared by every {@link FileSemaphore}, permit, request and
 * status read on it. Opening it takes the file's users lock ({@link UsersLock}), opening the path
 * again until the file opened is the one the path names; the last use lets go of it, removing the
 * file if it is to be removed when unused and no other process has it open.
 *
 * <p>Local wake-ups: when this JVM lets go of slots, every local waiter registered with {@link
 * #onRelease} is told at once, so waiters in the same JVM do not wait for their next poll.
 */
final class SlotFile {

  /*
   * Implementation notes. Two JVM-wide facts shape this class. First, Java's file locks belong to
   * the JVM, and on Linux closing any channel on a file drops every lock the JVM holds on it; so
   * each file has exactly one channel here, kept in a registry by real path and closed only when
   * the last user (semaphore, request or permit) lets go. Second, a FileChannel is an interruptible
   * channel: a thread interrupted during any operation on it closes it, which would drop every
   * lock. So no caller's thread touches the channel: each operation runs on the file's own I/O
   * thread (a platform daemon thread that nothing interrupts), and the caller waits for the result
   * without being interruptible (the operations take microseconds; an interrupt that arrives
   * meanwhile stays set for the caller to act on). The I/O thread also serializes this JVM's use of
   * the lock maps in SlotTable, and of the users lock (UsersLock: why a file can be removed safely).
   * The first open in this JVM joins the users lock on the new channel; if the file turns out to be
   * removed or being removed, that channel closes (this JVM holds no other lock on that file: it
   * has no other channel on it) and the path is opened again, outside the registry lock, for at
   * most JOIN_PATIENCE_NANOS. The last close leaves the users lock (perhaps removing the file) on
   * the I/O thread, after every operation queued before it and before the channel closes.
   */

  /** How long an open keeps trying while the file is being removed by another process. */
  static final long JOIN_PATIENCE_NANOS = 2_000_000_000;

  private static final ReentrantLock REGISTRY_LOCK = new ReentrantLock();
  private static final Map<Path, SlotFile> REGISTRY = new HashMap<>();

  private final Path file;
  private final FileChannel channel;
  private final SlotTable table;
  private final UsersLock usersLock; // used on the I/O thread only
  private final ExecutorService io;
  private final Set<Runnable> releaseListeners = ConcurrentHashMap.newKeySet();
  private volatile @Nullable Thread ioThread; // set when the executor starts it
  private int users; // guarded by REGISTRY_LOCK

  private SlotFile(Path file, FileChannel channel) {
    this.file = file;
    this.channel = channel;
    this.table = new SlotTable(channel, file);
    this.usersLock = new UsersLock(channel, file);
    ThreadFactory threads =
        Thread.ofPlatform().daemon().name("permits-file " + file.getFileName()).factory();
    this.io =
        Executors.newSingleThreadExecutor(
            task -> {
              Thread thread = threads.newThread(task);
              ioThread = thread;
              return thread;
            });
  }

  /**
   * Opens the file (creating it with {@code permissions} if needed; the directory must exist),
   * or takes another use of the one already open. Each call must be paired with one {@link
   * #close()}.
   *
   * @throws UncheckedIOException if the file cannot be opened, or another process kept
   *     removing it for {@link #JOIN_PATIENCE_NANOS}
   */
  static SlotFile open(Path file, Set<PosixFilePermission> permissions) {
    return Objects.requireNonNull(
        openOrJoin(file, Objects.requireNonNull(permissions, "permissions")),
        "a file opened with CREATE exists");
  }

  /**
   * Opens the file if it exists, never creating it (for status reads, which must not leave a
   * file behind), or takes another use of the one already open.
   *
   * @return the file, or null if there is no such file
   */
  static @Nullable SlotFile openExisting(Path file) {
    return openOrJoin(file, null);
  }

  private static @Nullable SlotFile openOrJoin(
      Path file, @Nullable Set<PosixFilePermission> createWith) {
    Path key = realPath(file);
    long deadline = System.nanoTime() + JOIN_PATIENCE_NANOS;
    long pause = 10_000;
    boolean interrupted = false;
    try {
      while (true) {
        UsersLock.Joined outcome;
        REGISTRY_LOCK.lock();
        try {
          SlotFile open = REGISTRY.get(key);
          if (open != null) {
            open.users++;
            return open;
          }
          FileChannel channel = openChannel(key, createWith);
          if (channel == null) {
            return null;
          }
          SlotFile fresh = new SlotFile(key, channel);
          outcome = fresh.join();
          if (outcome == UsersLock.Joined.JOINED) {
            fresh.users = 1;
            REGISTRY.put(key, fresh);
            return fresh;
          }
        } finally {
          REGISTRY_LOCK.unlock();
        }
        if (System.nanoTime() - deadline >= 0) {
          throw stillRemoved(key, outcome);
        }
        // jitter, so that joiners finding a file left marked do not keep meeting
        LockSupport.parkNanos(pause / 2 + ThreadLocalRandom.current().nextLong(pause));
        pause = Math.min(pause * 2, 1_000_000);
        interrupted |= Thread.interrupted(); // else the pauses would end at once
      }
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /**
   * Joins the users lock on this new file's I/O thread; anything but success closes it (the
   * file was never registered).
   */
  private UsersLock.Joined join() {
    UsersLock.Joined outcome = null;
    try {
      outcome = call(table -> usersLock.join());
      return outcome;
    } finally {
      if (outcome != UsersLock.Joined.JOINED) {
        io.shutdown();
        try {
          channel.close();
        } catch (IOException ignored) {
          // holds no lock: the users lock was let go, or never taken
        }
      }
    }
  }

  private static UncheckedIOException stillRemoved(Path file, UsersLock.Joined outcome) {
    String why =
        outcome == UsersLock.Joined.BEING_REMOVED
            ? "another process has held its users lock exclusively (to remove it) for over "
                + JOIN_PATIENCE_NANOS / 1_000_000
                + " ms: is it stopped (SIGSTOP, Ctrl-Z)? /proc/locks shows its pid"
            : "it is marked as removed but still there, and its mark names another file"
                + " (was it copied or restored from a backup?): delete it";
    IOException failure = new IOException(why);
    return new UncheckedIOException(
        "cannot open semaphore file " + file + ": " + why, failure);
  }

  /**
   * Takes one more use of this file if it is still open in this JVM.
   *
   * @return this, or null if its last use has ended
   */
  @Nullable SlotFile tryRetain() {
    REGISTRY_LOCK.lock();
    try {
      if (users == 0) {
        return null;
      }
      users++;
      return this;
    } finally {
      REGISTRY_LOCK.unlock();
    }
  }

  /**
   * Gives back one use; the last leaves the users lock (removing the file if it is to be
   * removed when unused and no other process has it open), stops the I/O thread and closes the
   * channel, before the file leaves the registry: a new open of the same file meanwhile waits,
   * rather than opening a second channel whose locks the old one's close would drop.
   */
  void close() {
    REGISTRY_LOCK.lock();
    try {
      if (--users > 0) {
        return;
      }
      leave();
      io.shutdown();
      if (!isIoThread()) {
        try {
          io.awaitTermination(1, TimeUnit.SECONDS); // stray no-op attempts of finished requests
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      try {
        channel.close();
      } catch (IOException ignored) {
        // nothing is held any more; the descriptor is gone either way
      }
      REGISTRY.remove(file);
    } finally {
      REGISTRY_LOCK.unlock();
    }
  }

  Path path() {
    return file;
  }

  /**
   * Leaves the users lock, on the I/O thread after the operations queued before; a failure
   * (the directory refuses the unlink, say) leaves the file where it is, usable.
   */
  private void leave() {
    try {
      if (isIoThread()) {
        usersLock.leave();
      } else {
        call(
            table -> {
              usersLock.leave();
              return null;
            });
      }
    } catch (IOException | RuntimeException notRemoved) {
      // removing is tidying: the file stays, and the next last user tries again
    }
  }

  /**
   * Runs an operation on the file's I/O thread and waits for it, not interruptibly.
   *
   * @throws IllegalStateException if called on the I/O thread itself (it would wait forever)
   */
  <T extends @Nullable Object> T call(TableOperation<T> operation) {
    if (isIoThread()) {
      throw new IllegalStateException(
          "a blocking operation on " + file + " from its own I/O thread would never end");
    }
    CompletableFuture<T> result = submit(operation);
    boolean interrupted = false;
    try {
      while (true) {
        try {
          return result.get();
        } catch (InterruptedException e) {
          interrupted = true;
        } catch (ExecutionException e) {
          throw rethrow(e.getCause() != null ? e.getCause() : e);
        }
      }
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** Runs an operation on the file's I/O thread; the future completes on that thread. */
  <T extends @Nullable Object> CompletableFuture<T> submit(TableOperation<T> operation) {
    CompletableFuture<T> result = new CompletableFuture<>();
    try {
      io.execute(
          () -> {
            try {
              result.complete(operation.apply(table));
            } catch (Throwable failure) {
              result.completeExceptionally(failure);
            }
          });
    } catch (RejectedExecutionException closed) {
      result.completeExceptionally(
          new IllegalStateException("semaphore file " + file + " is closed in this JVM", closed));
    }
    return result;
  }

  /** Lets go of slots, then tells the local waiters. */
  void release(int[] slots) {
    call(
        table -> {
          table.release(slots);
          return null;
        });
    releaseListeners.forEach(Runnable::run);
  }

  private boolean isIoThread() {
    return Thread.currentThread() == ioThread;
  }

  void onRelease(Runnable listener) {
    releaseListeners.add(listener);
  }

  void removeReleaseListener(Runnable listener) {
    releaseListeners.remove(listener);
  }

  /** An operation on the table, run on the I/O thread. */
  @FunctionalInterface
  interface TableOperation<T extends @Nullable Object> {
    T apply(SlotTable table) throws IOException;
  }

  private RuntimeException rethrow(Throwable failure) {
    if (failure instanceof IOException io) {
      return SlotTable.unchecked(file, io);
    }
    if (failure instanceof RuntimeException runtime) {
      return runtime;
    }
    if (failure instanceof Error error) {
      throw error;
    }
    return new IllegalStateException(failure);
  }

  /** The file's real path (its directory's, resolved, and its name): one key per file. */
  private static Path realPath(Path file) {
    Path absolute = file.toAbsolutePath().normalize();
    Path parent = absolute.getParent();
    Path name = absolute.getFileName();
    if (parent == null || name == null) {
      throw new IllegalArgumentException("a semaphore file needs a directory and a name: " + file);
    }
    try {
      return parent.toRealPath().resolve(name);
    } catch (IOException missing) {
      throw new UncheckedIOException(
          "cannot open semaphore file " + file + ": " + missing, missing);
    }
  }

  /** Opens the file, creating it if {@code createWith} is given; null if missing and not. */
  private static @Nullable FileChannel openChannel(
      Path file, @Nullable Set<PosixFilePermission> createWith) {
    try {
      if (createWith == null) {
        try {
          return FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
        } catch (NoSuchFileException missing) {
          return null;
        }
      }
      // the permissions apply only if this creates the file
      return FileChannel.open(
          file,
          Set.of(StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE),
          PosixFilePermissions.asFileAttribute(createWith));
    } catch (IOException failure) {
      throw new UncheckedIOException(
          "cannot open semaphore file " + file + ": " + failure, failure);
    }
  }
}
