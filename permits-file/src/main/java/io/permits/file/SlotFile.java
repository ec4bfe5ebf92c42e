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
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;

/**
 * One open semaphore file in this JVM, shared by every {@link FileSemaphore}, permit, request and
 * status read on it.
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
   * the lock maps in SlotTable.
   */

  private static final ReentrantLock REGISTRY_LOCK = new ReentrantLock();
  private static final Map<Path, SlotFile> REGISTRY = new HashMap<>();

  private final Path file;
  private final FileChannel channel;
  private final SlotTable table;
  private final ExecutorService io;
  private final Set<Runnable> releaseListeners = ConcurrentHashMap.newKeySet();
  private volatile @Nullable Thread ioThread; // set when the executor starts it
  private int users; // guarded by REGISTRY_LOCK

  private SlotFile(Path file, FileChannel channel) {
    this.file = file;
    this.channel = channel;
    this.table = new SlotTable(channel, file);
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
    REGISTRY_LOCK.lock();
    try {
      SlotFile open = REGISTRY.get(key);
      if (open == null) {
        FileChannel channel = openChannel(key, createWith);
        if (channel == null) {
          return null;
        }
        open = new SlotFile(key, channel);
        REGISTRY.put(key, open);
      }
      open.users++;
      return open;
    } finally {
      REGISTRY_LOCK.unlock();
    }
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
   * Gives back one use; the last stops the I/O thread and closes the channel, before the file
   * leaves the registry: a new open of the same file meanwhile waits, rather than opening a
   * second channel whose locks the old one's close would drop.
   */
  void close() {
    REGISTRY_LOCK.lock();
    try {
      if (--users > 0) {
        return;
      }
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
