package io.permits.file;

import io.permits.Fairness;
import io.permits.HolderProcess;
import io.permits.LocalSemaphore;
import io.permits.Permit;
import io.permits.PermitHolder;
import io.permits.Semaphore;
import io.permits.SemaphoreClosedException;
import io.permits.SemaphoreStats;
import io.permits.backend.Gate;
import io.permits.backend.Timeouts;
import org.jspecify.annotations.Nullable;
import io.permits.file.SlotLayout.Header;
import io.permits.file.SlotTable.Attempt;
import io.permits.file.SlotTable.Counts;
import io.permits.file.SlotTable.Listing;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A semaphore shared by every process on this host that opens the same directory and name:
 * at most {@link #limit()} permits are held at once, across all of them. A process that dies,
 * even by {@code kill -9}, gives its permits back at once, because they are held through the
 * operating system's file locks.
 *
 * <pre>{@code
 * // at most 4 transcodes at once, whichever processes run them
 * Path directory = FileSemaphore.defaultDirectory();
 * try (FileSemaphore transcodes = FileSemaphore.open(directory, "ffmpeg", 4);
 *     Permit permit = transcodes.acquire()) {
 *   transcode(file);
 * }
 * }</pre>
 *
 * <p>Everything {@link Semaphore} promises holds, with these differences:
 *
 * <ul>
 *   <li>Order: within this JVM, requests queue in an in-process {@link LocalSemaphore} (the
 *       gate) with the {@linkplain Builder#fairness fairness} chosen. Across processes, a
 *       request that has to wait registers in the file, and permits go to registered requests
 *       in arrival order (a large request is not overtaken; a newcomer does not take permits
 *       that an earlier waiter needs). A waiting process that stops polling for two seconds
 *       (stopped with {@code SIGSTOP}, say) is passed over until it polls again.
 *   <li>Waiting for another process is polling: 1 ms doubling to 25 ms between attempts, so a
 *       permit freed elsewhere is taken within about 25 ms; within the JVM, a release wakes
 *       the waiters at once.
 *   <li>The limit is recorded in the file. Opening with another limit fails with {@link
 *       LimitMismatchException} unless {@link Builder#changeLimit(boolean) changeLimit(true)};
 *       {@link #setLimit} changes it for every process (each sees it at its next attempt).
 *   <li>{@link #holders()} lists the holders of every process: pid, host, command, since.
 *   <li>{@link #available()}, {@link #waiting()} and {@link #limit()} read the file (a few
 *       microseconds each).
 * </ul>
 *
 * <p>The file ({@code NAME.permits}) stays after use, keeping the limit, unless built with
 * {@link Builder#removeWhenUnused(boolean) removeWhenUnused(true)}: then the last process to let go
 * of it removes it, safely (a process that opens it meanwhile never ends up on another file than
 * its users). Deleting it by hand while it is in use is not safe: a process that opens a new file
 * of the same name shares nothing with those holding the old one. The default directory ({@link
 * #defaultDirectory()}) is per user and is created with owner-only permissions.
 */
public final class FileSemaphore implements Semaphore {

  /*
   * Implementation notes. A permit is a slot; a slot is held by an exclusive lock on one byte of
   * the file (see SlotTable for the grant algorithm under the file's mutex, and SlotFile for why
   * all file operations run on one I/O thread per file). A request first takes permits of the gate
   * (so threads of this JVM queue, time out, cancel and get interrupted in memory, with the core's
   * guarantees), then slots; a permit lets go of its slots before its gate permits, so this JVM
   * never holds more slots than gate permits, and a gate grant finds free slots unless another
   * process or semaphore object holds them. The semaphore's own use of its SlotFile keeps the file
   * open in this JVM until close(); each operation takes another use of that one (tryRetain), never
   * opening the path again, so nothing after close() can create the file anew. Reads after close
   * open the file only if it still exists; removal (UsersLock) happens in SlotFile's last close.
   */

  private static final AtomicLong REQUEST_IDS = new AtomicLong();

  private final String name;
  private final Path directory;
  private final Path path;
  private final @Nullable String command; // null: this JVM's command line
  private final Gate gate; // follows the newest limit read from the file
  private final SlotFile own;
  private final AtomicBoolean closed = new AtomicBoolean();
  private final Set<Runnable> localWaiters = ConcurrentHashMap.newKeySet();

  private FileSemaphore(Builder builder, Path directory, SlotFile own, Header header) {
    this.name = builder.name;
    this.directory = directory;
    this.path = own.path();
    this.command = builder.command;
    this.own = own;
    this.gate =
        new Gate(name, header.limit(), header.limitVersion(), builder.fairness,
            SlotLayout.MAX_LIMIT, this::limit);
  }

  /**
   * Opens (creating it if needed) the semaphore {@code name} in {@code directory}.
   *
   * @param directory where the semaphore's file lives; created owner-only if missing
   * @param name the semaphore's name: letters, digits, '.', '_' and '-'
   * @param limit the number of permits; must match the one recorded if the file exists
   * @return the semaphore; close it when done
   * @throws LimitMismatchException if the file records another limit
   * @throws IllegalArgumentException if the name or limit is bad
   */
  public static FileSemaphore open(Path directory, String name, int limit) {
    return builder(name).directory(directory).limit(limit).build();
  }

  /**
   * Starts building a file semaphore.
   *
   * @param name the semaphore's name: 1 to 128 letters, digits, '.', '_' or '-', not starting
   *     with '.' or '-'
   * @return a builder
   * @throws IllegalArgumentException if the name is bad
   */
  public static Builder builder(String name) {
    return new Builder(SemaphoreFiles.checkName(name));
  }

  /**
   * The directory used when none is given: {@code $XDG_RUNTIME_DIR/permits} if that variable
   * names a directory, else {@code permits-<user>} in the temporary directory.
   *
   * @return the default directory (it may not exist yet)
   */
  public static Path defaultDirectory() {
    return SemaphoreFiles.defaultDirectory();
  }

  /**
   * Who holds and who waits for the semaphore {@code name} in {@code directory}, read without
   * opening it as a semaphore (no limit needed). The read never creates the file, and uses it
   * only for its own microseconds: a file to be {@linkplain Builder#removeWhenUnused(boolean)
   * removed when unused} that nobody else uses is removed as the read ends.
   *
   * @param directory the directory
   * @param name the semaphore's name
   * @return its state now
   * @throws NoSuchSemaphoreException if there is no such semaphore
   */
  public static FileSemaphoreStatus status(Path directory, String name) {
    SemaphoreFiles.checkName(name);
    Path file = SemaphoreFiles.fileOf(directory, name);
    if (!Files.exists(file)) {
      throw new NoSuchSemaphoreException(name, directory);
    }
    SlotFile slots = SlotFile.openExisting(file);
    if (slots == null) {
      throw new NoSuchSemaphoreException(name, directory); // removed since
    }
    try {
      Listing listing = slots.call(SlotTable::listing);
      if (listing.limit() == 0) {
        throw new NoSuchSemaphoreException(name, directory);
      }
      return new FileSemaphoreStatus(
          name,
          listing.limit(),
          toHolders(listing.holders()),
          toHolders(listing.waiters()));
    } finally {
      slots.close();
    }
  }

  /**
   * The state of every semaphore in {@code directory}, by name.
   *
   * @param directory the directory (missing: none)
   * @return the states, sorted by name
   */
  public static List<FileSemaphoreStatus> statusAll(Path directory) {
    List<FileSemaphoreStatus> all = new ArrayList<>();
    for (String name : SemaphoreFiles.names(directory)) {
      try {
        all.add(status(directory, name));
      } catch (NoSuchSemaphoreException vanished) {
        // deleted or never initialized since the listing
      }
    }
    return all;
  }

  @Override
  public String name() {
    return name;
  }

  /**
   * The directory of the semaphore's file.
   *
   * @return the directory (its real path)
   */
  public Path directory() {
    return directory;
  }

  /**
   * {@inheritDoc}
   *
   * <p>Read from the file: another process may have changed it.
   */
  @Override
  public int limit() {
    Counts counts = counts();
    adoptLimit(counts.limit(), counts.limitVersion());
    return counts.limit();
  }

  /**
   * {@inheritDoc}
   *
   * <p>Permits free across all processes (and free for this semaphore's own queue).
   */
  @Override
  public int available() {
    return available(counts());
  }

  /**
   * {@inheritDoc}
   *
   * <p>This semaphore's queued requests plus the requests of every process registered as
   * waiting for another process in the file.
   */
  @Override
  public int waiting() {
    return gate.local().waiting() + counts().waiting();
  }

  @Override
  public Permit acquire(int permits) throws InterruptedException {
    Permit gatePermit = gate.acquire(permits);
    return Objects.requireNonNull(
        slotsFor(gatePermit, false, 0), "an untimed wait ends with a permit or a throw");
  }

  @Override
  public Optional<Permit> tryAcquire(int permits) {
    Optional<Permit> gatePermit = gate.tryAcquire(permits);
    if (gatePermit.isEmpty()) {
      return Optional.empty();
    }
    SlotFile file = null;
    boolean handedOver = false;
    try {
      file = use("tryAcquire");
      SlotRecord request = request(permits);
      Attempt attempt = file.call(table -> table.tryGrant(permits, request, -1, false));
      adoptLimit(attempt.limit(), attempt.limitVersion());
      int[] slots = attempt.slots();
      if (slots == null) {
        return Optional.empty();
      }
      handedOver = true;
      return Optional.of(new FilePermit(gatePermit.get(), file, slots));
    } finally {
      if (!handedOver) {
        gatePermit.get().close();
        if (file != null) {
          file.close();
        }
      }
    }
  }

  @Override
  public Optional<Permit> tryAcquire(int permits, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + saturatedNanos(timeout);
    Optional<Permit> gatePermit = gate.tryAcquire(permits, timeout);
    if (gatePermit.isEmpty()) {
      return Optional.empty();
    }
    return Optional.ofNullable(slotsFor(gatePermit.get(), true, deadline));
  }

  @Override
  public CompletableFuture<Permit> acquireAsync(int permits) {
    SlotFile file; // first: if it fails, nothing is taken
    try {
      file = use("acquireAsync");
    } catch (SemaphoreClosedException closedNow) {
      return gate.acquireAsync(permits); // closed: checks the arguments, fails the future
    }
    CompletableFuture<Permit> gateFuture;
    try {
      gateFuture = gate.acquireAsync(permits);
    } catch (RuntimeException badInput) {
      file.close();
      throw badInput;
    }
    if (gateFuture.isCompletedExceptionally()) {
      file.close();
      return gateFuture; // closed: fail at once, as the gate does
    }
    return AsyncSlotRequest.start(this, file, request(permits), gateFuture);
  }

  /**
   * {@inheritDoc}
   *
   * <p>Changes the limit recorded in the file, for every process; each sees it at its next
   * attempt. After a shrink, slots above the new limit stay held until their holders let go, and
   * no grant anywhere takes the total over the new limit.
   *
   * @throws NoSuchSemaphoreException if this semaphore is closed and its file was removed when
   *     unused
   */
  @Override
  public void setLimit(int limit) {
    checkLimit(limit);
    SlotFile file = useForRead();
    if (file == null) {
      throw new NoSuchSemaphoreException(name, directory);
    }
    Header changed;
    try {
      changed = file.call(table -> table.changeLimit(limit));
    } finally {
      file.close();
    }
    gate.reportAndSettle(changed.limit(), changed.limitVersion());
    localWaiters.forEach(Runnable::run);
  }

  /**
   * {@inheritDoc}
   *
   * <p>Limit, available, held and waiting are read from the file (all processes); the totals
   * (grants, timeouts, wait and hold times…) are this semaphore's own.
   */
  @Override
  public SemaphoreStats stats() {
    SemaphoreStats local = gate.local().stats();
    Counts counts = counts();
    int available = available(counts);
    return local.withGauges(
        counts.limit(),
        available,
        Math.max(counts.held(), local.held()), // in the file, or taken here on the way there
        local.waiting() + counts.waiting());
  }

  /**
   * {@inheritDoc}
   *
   * <p>The holders in every process sharing the semaphore, oldest first, each with its {@link
   * PermitHolder#process() process}: pid, host and command line (what {@code permits run} runs,
   * or the JVM's command line, or what {@link Builder#command(String)} set).
   */
  @Override
  public List<PermitHolder> holders() {
    SlotFile file = useForRead();
    if (file == null) {
      return List.of(); // closed, and the file removed: no process holds it
    }
    try {
      return toHolders(file.call(SlotTable::listing).holders());
    } finally {
      file.close();
    }
  }

  @Override
  public boolean isClosed() {
    return closed.get();
  }

  /**
   * {@inheritDoc}
   *
   * <p>Closes this semaphore object only: other processes, and other {@code FileSemaphore}
   * objects on the same file, go on. If this was the last use of a file to be {@linkplain
   * Builder#removeWhenUnused(boolean) removed when unused} in every process (no other semaphore
   * object, permit or waiting request on it, here or elsewhere), the file is removed.
   */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    gate.local().close();
    localWaiters.forEach(Runnable::run);
    own.close();
  }

  /** Returns name, directory, the gate's state and the file's counts, for logs and debuggers. */
  @Override
  public String toString() {
    String file;
    try {
      Counts counts = counts();
      file =
          "file: limit "
              + counts.limit()
              + " (version "
              + counts.limitVersion()
              + "), held "
              + counts.held()
              + ", waiting "
              + counts.waiting();
    } catch (RuntimeException unreadable) {
      file = "file unreadable: " + unreadable.getMessage();
    }
    return "FileSemaphore[" + name + " in " + directory + ", gate " + gate.local() + ", " + file
        + "]";
  }

  // ---- for the waits

  void addLocalWaiter(Runnable wake) {
    localWaiters.add(wake);
  }

  void removeLocalWaiter(Runnable wake) {
    localWaiters.remove(wake);
  }

  /** Follows the limit in the file (set by this or another process), read with its version. */
  void adoptLimit(int limit, int version) {
    gate.report(limit, version);
  }

  /**
   * {@link #adoptLimit}, from the file's I/O thread: the gate's limit change may fail queued
   * futures and so run callers' code, which must not run there; so it runs on a virtual thread
   * (only when the limit read is newer than the gate's).
   */
  void adoptLimitLater(int limit, int version) {
    if (gate.isNewer(version)) {
      Thread.startVirtualThread(() -> gate.report(limit, version));
    }
  }

  IllegalArgumentException impossible(int permits, int limit) {
    return gate.impossible(permits, limit);
  }

  // ---- internals

  private @Nullable Permit slotsFor(Permit gatePermit, boolean timed, long deadline)
      throws InterruptedException {
    SlotFile file;
    try {
      file = use(timed ? "tryAcquire" : "acquire");
    } catch (RuntimeException failed) {
      gatePermit.close();
      throw failed;
    }
    return AsyncSlotRequest.await(
        this, file, request(gatePermit.permits()), gatePermit, timed, deadline);
  }

  private SlotRecord request(int permits) {
    Thread thread = Thread.currentThread();
    Instant now = Instant.now();
    return new SlotRecord(
        false,
        permits,
        ThisProcess.PID,
        REQUEST_IDS.incrementAndGet(),
        now,
        now.toEpochMilli(),
        thread.threadId(),
        ThisProcess.host(),
        thread.getName(),
        command == null ? ThisProcess.command() : command);
  }

  /**
   * Another use of the semaphore's file, for a request: the semaphore's own use keeps it open in
   * this JVM until close.
   *
   * @throws SemaphoreClosedException if the semaphore was closed and the file's last use here
   *     has ended (the gate fails requests after close; this is a request racing close)
   */
  private SlotFile use(String operation) {
    SlotFile file = own.tryRetain();
    if (file == null) {
      throw new SemaphoreClosedException(
          operation + " on semaphore '" + name + "', which is closed");
    }
    return file;
  }

  /**
   * A use of the semaphore's file, for a read: the semaphore's own while it is open; after
   * close, the file opened again if it is still there (never created: a file removed when unused
   * stays removed).
   *
   * @return the file, or null if the semaphore is closed and its file is gone
   */
  private @Nullable SlotFile useForRead() {
    SlotFile file = own.tryRetain();
    return file != null ? file : SlotFile.openExisting(path);
  }

  private Counts counts() {
    SlotFile file = useForRead();
    if (file == null) {
      // closed, and the file removed when unused: nothing is held or waited for anywhere
      return new Counts(gate.local().limit(), -1, 0, 0);
    }
    try {
      return file.call(SlotTable::counts);
    } finally {
      file.close();
    }
  }

  private int available(Counts counts) {
    return Math.max(0, Math.min(gate.local().available(), counts.limit() - counts.held()));
  }

  private static List<PermitHolder> toHolders(List<SlotRecord> records) {
    Map<String, PermitHolder> byRequest = new LinkedHashMap<>();
    for (SlotRecord record : records) {
      byRequest.computeIfAbsent(
          record.pid() + "/" + record.requestId(),
          key ->
              new PermitHolder(
                  record.permits(),
                  record.thread(),
                  record.threadId(),
                  record.since(),
                  null,
                  new HolderProcess(
                      record.pid(),
                      record.host(),
                      Optional.of(record.command()).filter(c -> !c.isEmpty()))));
    }
    List<PermitHolder> holders = new ArrayList<>(byRequest.values());
    holders.sort(Comparator.comparing(PermitHolder::since));
    return holders;
  }

  private static long saturatedNanos(Duration timeout) {
    return Timeouts.saturatedNanos(Objects.requireNonNull(timeout, "timeout"));
  }

  private static void checkLimit(int limit) {
    if (limit < 1 || limit > SlotLayout.MAX_LIMIT) {
      throw new IllegalArgumentException(
          "limit must be between 1 and " + SlotLayout.MAX_LIMIT + ", was " + limit);
    }
  }

  private static Set<PosixFilePermission> ownerOnly() {
    return EnumSet.copyOf(PosixFilePermissions.fromString("rw-------"));
  }

  /**
   * Builds a {@link FileSemaphore}. {@link #limit(int)} is required; the rest has defaults.
   * Not thread-safe.
   */
  public static final class Builder {
    private final String name;
    private @Nullable Path directory; // null: the default directory
    private int limit;
    private boolean changeLimit;
    private Fairness fairness = Fairness.BOUNDED;
    private @Nullable String command; // null: this JVM's command line
    private Set<PosixFilePermission> permissions = ownerOnly();
    private boolean removeWhenUnused;

    private Builder(String name) {
      this.name = name;
    }

    /**
     * Where the semaphore's file lives; default {@link FileSemaphore#defaultDirectory()}.
     * Created (with parents) if missing, with the {@linkplain #permissions permissions} plus
     * the matching execute bits.
     *
     * @param directory the directory
     * @return this builder
     */
    public Builder directory(Path directory) {
      this.directory = Objects.requireNonNull(directory, "directory");
      return this;
    }

    /**
     * The number of permits, 1 to 65,536; required.
     *
     * @param limit the limit
     * @return this builder
     */
    public Builder limit(int limit) {
      checkLimit(limit);
      this.limit = limit;
      return this;
    }

    /**
     * Whether opening with a limit other than the recorded one changes it (true) or fails with
     * {@link LimitMismatchException} (false, the default).
     *
     * @param change whether to change the recorded limit
     * @return this builder
     */
    public Builder changeLimit(boolean change) {
      this.changeLimit = change;
      return this;
    }

    /**
     * How this JVM's own requests queue for the semaphore (see {@link Fairness}); default
     * {@link Fairness#BOUNDED}, as for {@link LocalSemaphore}. Across processes the order is
     * arrival order whatever this says.
     *
     * @param fairness the in-process fairness
     * @return this builder
     */
    public Builder fairness(Fairness fairness) {
      this.fairness = Objects.requireNonNull(fairness, "fairness");
      return this;
    }

    /**
     * What {@link FileSemaphore#holders()} and {@code permits status} show as this process's
     * command; default the JVM's command line. {@code permits run} sets the command it runs.
     *
     * @param command the description
     * @return this builder
     */
    public Builder command(String command) {
      this.command = Objects.requireNonNull(command, "command");
      return this;
    }

    /**
     * The permissions of the file and, if this creates it, of the directory (plus execute
     * bits); default owner read and write only ({@code rw-------}). Give group permissions to
     * share a semaphore between the users of a group, in a directory they can all reach.
     *
     * @param permissions the file permissions
     * @return this builder
     */
    public Builder permissions(Set<PosixFilePermission> permissions) {
      Objects.requireNonNull(permissions, "permissions");
      this.permissions = permissions.isEmpty() ? ownerOnly() : EnumSet.copyOf(permissions);
      return this;
    }

    /**
     * Whether the semaphore's file is removed once no process uses it; default false: the file
     * stays, and with it the limit it records.
     *
     * <p>For semaphores made on the fly, one per key (a tenant, a user), which would otherwise
     * leave a file behind for every key ever seen. When the last use of the file in every process
     * has ended (each {@code FileSemaphore} on it closed, each of its permits closed, each of its
     * waits over), the process that let go last removes it; the next open creates it again, with
     * the limit that open asks for. A process that has the file open keeps it, whatever it asked
     * for. One killed with {@code kill -9} while using it leaves it behind, and the next process
     * to open and close it (or to read its {@linkplain FileSemaphore#status status}) removes it.
     *
     * <p>Removal never splits the semaphore: a process that opens the file while another removes
     * it either uses the file every other user uses, or opens the path again, so the limit holds
     * through any number of removals and re-creations. It relies on every process using the
     * semaphore being a version of this library that knows removal; deleting the file by hand is
     * as unsafe as ever.
     *
     * <p>Recorded in the file: once any process has opened it asking for removal, the last process
     * to let go removes it, even one that opened it without asking. A file on a symbolic link is
     * never removed.
     *
     * <p>Named "unused" rather than "idle": a semaphore with no permit held is idle, but its file
     * stays for as long as any process has it open.
     *
     * @param remove whether to remove the file when no process uses it
     * @return this builder
     */
    public Builder removeWhenUnused(boolean remove) {
      this.removeWhenUnused = remove;
      return this;
    }

    /**
     * Opens the semaphore, creating its directory and file if missing.
     *
     * @return the semaphore
     * @throws IllegalStateException if no limit was given
     * @throws LimitMismatchException if the file records another limit and {@link
     *     #changeLimit(boolean)} is false
     * @throws UnsupportedOperationException if {@link #removeWhenUnused(boolean)} is true and the
     *     directory's file system gives its files no key (inode number) to tell them apart
     * @throws java.io.UncheckedIOException if the directory or file cannot be created or opened
     */
    public FileSemaphore build() {
      if (limit == 0) {
        throw new IllegalStateException("limit(…) is required for semaphore '" + name + "'");
      }
      Path dir = directory != null ? directory : defaultDirectory();
      Path real = SemaphoreFiles.ensureDirectory(dir, permissions, directory == null);
      if (removeWhenUnused) {
        SemaphoreFiles.checkFileKeys(real);
      }
      SlotFile own = SlotFile.open(SemaphoreFiles.fileOf(real, name), permissions);
      try {
        Header recorded =
            own.call(table -> table.open(name, limit, changeLimit, removeWhenUnused));
        return new FileSemaphore(this, real, own, recorded);
      } catch (RuntimeException failure) {
        own.close();
        throw failure;
      }
    }
  }
}
