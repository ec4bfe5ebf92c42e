package io.permits;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;

/**
 * A {@link Semaphore} for the threads of one JVM: platform threads, virtual threads and
 * asynchronous callers alike.
 *
 * <pre> {@code
 * LocalSemaphore db = LocalSemaphore.builder()
 *     .name("db")
 *     .limit(10)
 *     .fairness(Fairness.STRICT)
 *     .build();
 *
 * try (Permit permit = db.acquire()) {
 *   runQuery();
 * }
 *
 * // a batch job that needs 4 of the 10 connections at once, giving up after 2 seconds
 * Optional<Permit> batch = db.tryAcquire(4, Duration.ofSeconds(2));
 * }</pre>
 *
 * <p>An uncontended acquire and release each cost one compare-and-set on a single state word
 * and allocate nothing but the {@link Permit}. Waiting requests, whether blocking, timed or
 * asynchronous, sit in one FIFO queue, and a release wakes at most the head it can serve. The
 * {@link Fairness} mode decides whether newcomers may take free permits while others wait; the
 * default is {@link Fairness#BOUNDED} with {@link #DEFAULT_HANDOFF_AFTER}, chosen by measurement
 * (it keeps the JDK non-fair semaphore's throughput with threads outnumbering permits, and
 * bounds every wait; {@code docs/benchmarks.md}).
 *
 * <p>Waiting parks the thread with {@link java.util.concurrent.locks.LockSupport} and never
 * pins a virtual thread. Futures from {@link #acquireAsync(int)} are completed by the thread
 * whose release (or close) satisfied them, after it has let go of the queue's lock.
 *
 * <p>Every way out of a wait (timeout, interrupt, cancelled future, {@link #close()}, a shrink
 * that makes the request impossible) goes through one path that removes the request and passes
 * any permits already set aside for it to the next waiter, so none is ever lost.
 */
public final class LocalSemaphore implements Semaphore {

  /** Default time the oldest waiter may wait before {@link Fairness#BOUNDED} hands off. */
  public static final Duration DEFAULT_HANDOFF_AFTER = Duration.ofMillis(5);

  private static final AtomicLong UNNAMED = new AtomicLong();

  private final String name;
  private final Fairness fairness;
  private final Duration handoffAfter;
  private final LocalSync sync;

  private LocalSemaphore(Builder builder) {
    this.name = builder.name != null ? builder.name : "semaphore-" + UNNAMED.incrementAndGet();
    this.fairness = builder.fairness;
    this.handoffAfter = builder.handoffAfter;
    Observer observer =
        new Observer(
            this.name,
            builder.recordStats,
            builder.recordHoldTimes,
            builder.listeners,
            builder.trackHolders,
            builder.leakThreshold,
            builder.returnLeakedPermits);
    this.sync =
        new LocalSync(
            this, builder.limit, builder.fairness, builder.handoffAfter.toNanos(), observer);
    observer.attached(this);
  }

  /**
   * Starts building a semaphore: {@code LocalSemaphore.builder().name("db").limit(2).build()}.
   *
   * @return a builder with limit 1, {@link Fairness#BOUNDED} and a generated name
   */
  public static Builder builder() {
    return new Builder();
  }

  @Override
  public String name() {
    return name;
  }

  /**
   * The fairness mode chosen at build time.
   *
   * @return the mode
   */
  public Fairness fairness() {
    return fairness;
  }

  /**
   * How long the oldest waiter may wait before a {@link Fairness#BOUNDED} semaphore switches
   * to strict handoff (unused by the other modes).
   *
   * @return the bound
   */
  public Duration handoffAfter() {
    return handoffAfter;
  }

  @Override
  public int limit() {
    return sync.limit();
  }

  @Override
  public int available() {
    return sync.available();
  }

  @Override
  public int waiting() {
    return sync.waiting();
  }

  @Override
  public Permit acquire(int permits) throws InterruptedException {
    checkPermits(permits);
    return sync.acquire(permits);
  }

  @Override
  public Optional<Permit> tryAcquire(int permits) {
    checkPermits(permits);
    Permit permit = sync.tryAcquire(permits);
    if (permit == null) {
      checkPermits(permits); // a shrink since the first check made the request impossible
    }
    return Optional.ofNullable(permit);
  }

  @Override
  public Optional<Permit> tryAcquire(int permits, Duration timeout) throws InterruptedException {
    checkPermits(permits);
    long nanos = checkTimeout(timeout);
    return Optional.ofNullable(sync.tryAcquire(permits, nanos));
  }

  @Override
  public CompletableFuture<Permit> acquireAsync(int permits) {
    checkPermits(permits);
    return sync.acquireAsync(permits);
  }

  @Override
  public void setLimit(int limit) {
    checkLimit(limit);
    sync.setLimit(limit);
  }

  @Override
  public SemaphoreStats stats() {
    return sync.stats();
  }

  @Override
  public boolean isClosed() {
    return sync.isClosed();
  }

  /**
   * {@inheritDoc}
   *
   * <p>Held permits are tracked only when the semaphore was built with {@link
   * Builder#trackHolders(boolean) trackHolders(true)} or {@link Builder#leakDetection(Duration)
   * leak detection} (the acquire site is recorded only with leak detection); otherwise the list
   * is empty. Oldest first.
   */
  @Override
  public List<PermitHolder> holders() {
    return sync.holders();
  }

  @Override
  public void close() {
    sync.close();
  }

  /** Returns name, fairness and the current counts, for logs and debuggers. */
  @Override
  public String toString() {
    return "LocalSemaphore[" + name + ", " + fairness + ", " + sync.describe() + "]";
  }

  private void checkPermits(int permits) {
    if (permits < 1) {
      throw new IllegalArgumentException(
          "permits must be at least 1, was " + permits + " (semaphore '" + name + "')");
    }
    int limit = sync.limit();
    if (permits > limit) {
      throw new IllegalArgumentException(
          "permits must not exceed the limit "
              + limit
              + ", was "
              + permits
              + " (semaphore '"
              + name
              + "')");
    }
  }

  private long checkTimeout(Duration timeout) {
    Objects.requireNonNull(timeout, "timeout");
    if (timeout.isNegative()) {
      throw new IllegalArgumentException(
          "timeout must not be negative, was " + timeout + " (semaphore '" + name + "')");
    }
    return saturatedNanos(timeout);
  }

  static long saturatedNanos(Duration duration) {
    try {
      return duration.toNanos();
    } catch (ArithmeticException tooLong) {
      return Long.MAX_VALUE;
    }
  }

  private static void checkLimit(int limit) {
    if (limit < 1) {
      throw new IllegalArgumentException("limit must be at least 1, was " + limit);
    }
  }

  /**
   * Builds a {@link LocalSemaphore}. Not thread-safe; each {@link #build()} makes a new, independent
   * semaphore.
   */
  public static final class Builder {
    private @Nullable String name; // null: a generated name
    private int limit = 1;
    private Fairness fairness = Fairness.BOUNDED;
    private Duration handoffAfter = DEFAULT_HANDOFF_AFTER;
    private final List<SemaphoreListener> listeners = new ArrayList<>();
    private boolean recordStats = true;
    private boolean recordHoldTimes;
    private boolean trackHolders;
    private @Nullable Duration leakThreshold; // null: no leak detection
    private boolean returnLeakedPermits = true;

    private Builder() {}

    /**
     * Names the semaphore (for errors, metrics and diagnostics).
     *
     * @param name a non-blank name
     * @return this builder
     * @throws IllegalArgumentException if {@code name} is blank
     */
    public Builder name(String name) {
      Objects.requireNonNull(name, "name");
      if (name.isBlank()) {
        throw new IllegalArgumentException("name must not be blank, was '" + name + "'");
      }
      this.name = name;
      return this;
    }

    /**
     * Sets the number of permits.
     *
     * @param limit at least 1
     * @return this builder
     * @throws IllegalArgumentException if {@code limit < 1}
     */
    public Builder limit(int limit) {
      checkLimit(limit);
      this.limit = limit;
      return this;
    }

    /**
     * Sets the fairness mode; the default is {@link Fairness#BOUNDED}.
     *
     * @param fairness the mode
     * @return this builder
     */
    public Builder fairness(Fairness fairness) {
      this.fairness = Objects.requireNonNull(fairness, "fairness");
      return this;
    }

    /**
     * For {@link Fairness#BOUNDED}: how long the oldest waiter may wait while newcomers barge
     * before the semaphore switches to strict handoff, until a waiter is served that had not
     * waited that long. The default is
     * {@link LocalSemaphore#DEFAULT_HANDOFF_AFTER}.
     *
     * @param bound a positive duration
     * @return this builder
     * @throws IllegalArgumentException if {@code bound} is zero or negative
     */
    public Builder handoffAfter(Duration bound) {
      Objects.requireNonNull(bound, "bound");
      if (bound.isNegative() || bound.isZero()) {
        throw new IllegalArgumentException("handoffAfter must be positive, was " + bound);
      }
      if (saturatedNanos(bound) == Long.MAX_VALUE) {
        throw new IllegalArgumentException("handoffAfter is too long, was " + bound);
      }
      this.handoffAfter = bound;
      return this;
    }

    /**
     * Adds a listener that receives this semaphore's events (see {@link SemaphoreListener});
     * several may be added, and are called in order. A listener makes every acquire and release
     * read the clock once, to measure the hold.
     *
     * @param listener the listener
     * @return this builder
     */
    public Builder listener(SemaphoreListener listener) {
      listeners.add(Objects.requireNonNull(listener, "listener"));
      return this;
    }

    /**
     * Whether {@link Semaphore#stats()} keeps totals (rejections, timeouts, cancellations,
     * interrupts, closes, leaks, wait times); on by default. They cost nothing on the
     * uncontended path (its grants are counted by the same CAS that takes the permits), so
     * turning them off only spares a few striped counters on paths that wait or fail.
     *
     * @param record false to keep only the gauges and the grant count
     * @return this builder
     */
    public Builder recordStats(boolean record) {
      this.recordStats = record;
      return this;
    }

    /**
     * Whether {@link SemaphoreStats#holdTime()} is recorded; off by default, because it reads
     * the clock when each permit is granted and when it is closed (figures in {@code
     * docs/observability.md}).
     *
     * @param record true to record hold times
     * @return this builder
     */
    public Builder recordHoldTimes(boolean record) {
      this.recordHoldTimes = record;
      return this;
    }

    /**
     * Whether {@link LocalSemaphore#holders()} lists the held permits, with thread and time of
     * grant; off by default (each grant and close then updates a concurrent set). Leak
     * detection turns it on.
     *
     * @param track true to track holders
     * @return this builder
     */
    public Builder trackHolders(boolean track) {
      this.trackHolders = track;
      return this;
    }

    /**
     * Turns on leak detection, as HikariCP's {@code leakDetectionThreshold} and Netty's
     * leak detector do. A permit held longer than {@code threshold} is reported once, through
     * {@link System.Logger} (logger {@code io.permits}, level WARNING), with the name of the
     * thread that took it and the stack trace of the acquire. A permit that becomes unreachable
     * while still held (a {@code close()} that never ran: a missing try-with-resources) is
     * reported when the garbage collector finds it, through a {@link java.lang.ref.Cleaner},
     * and its permits are given back (see {@link #returnLeakedPermits(boolean)}). Both count in
     * {@link SemaphoreStats#leaks()} and call {@link SemaphoreListener#leaked}.
     *
     * <p>Off by default, and free when off. When on, every acquire records its stack trace and
     * schedules a check, so it is a debugging and staging aid more than a production default.
     * It also turns on {@link #trackHolders(boolean)}.
     *
     * @param threshold how long a permit may be held before it is reported; positive
     * @return this builder
     * @throws IllegalArgumentException if {@code threshold} is zero or negative
     */
    public Builder leakDetection(Duration threshold) {
      Objects.requireNonNull(threshold, "threshold");
      if (threshold.isNegative() || threshold.isZero()) {
        throw new IllegalArgumentException("leakDetection threshold must be positive, was " + threshold);
      }
      this.leakThreshold = threshold;
      return this;
    }

    /**
     * With leak detection: whether the permits of a permit found unreachable while held are
     * given back to the semaphore (the default). Giving them back is right because nobody can
     * close that permit any more: kept, its permits would be gone for the life of the
     * semaphore, and one leak per hour would starve a pool of 10 by the afternoon. The risk is
     * that the code which dropped the permit still uses the resource it guarded; if that is
     * worse for you than a shrinking semaphore, pass false: the leak is then reported and the
     * permits stay taken.
     *
     * @param returnLeaked false to keep a leaked permit's permits taken
     * @return this builder
     */
    public Builder returnLeakedPermits(boolean returnLeaked) {
      this.returnLeakedPermits = returnLeaked;
      return this;
    }

    /**
     * Builds a new semaphore with all permits available.
     *
     * @return the semaphore
     */
    public LocalSemaphore build() {
      return new LocalSemaphore(this);
    }
  }
}
