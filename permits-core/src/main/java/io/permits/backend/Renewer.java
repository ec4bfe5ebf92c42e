package io.permits.backend;

import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;
import org.jspecify.annotations.Nullable;

/**
 * The watchdog of a leasing backend (Redis, PostgreSQL): keeps the leases of one semaphore alive
 * while they are held, and tells a holder when it can no longer be sure that its lease is alive.
 * A lease is renewed when a third of what its holder believes of it has passed; a renewal that
 * fails is tried again a sixth of the lease later; the lease is lost (its {@link
 * Renewable#markLost()} is called) when its holder's deadline passes first or a renewal finds it
 * gone from the store. For backend implementations, not for applications.
 *
 * <p>What a holder believes: a lease the store keeps for {@code millis} from when the statement
 * that granted or renewed it was sent is believed for {@link #believedNanos(long)} from then, by
 * this JVM's monotonic clock: the length less a margin for the two clocks' drift.
 *
 * @param <L> the backend's lease
 */
public final class Renewer<L extends Renewer.Renewable> {

  /*
   * Implementation notes. One sweep per semaphore, planned for the earliest moment a lease needs
   * it (a timer task per lease woke the timer thread once per acquire). A lease is due for renewal
   * when a third of what its holder may believe has passed since its grant or last renewal was
   * sent; with its renewal in flight it is due at its deadline, when it is marked lost unless the
   * renewal came back first; a failed renewal (the sender threw, or its future failed) is tried
   * again a sixth of the lease later, until the deadline; a renewal that finds the lease gone
   * marks it lost at once.
   *
   * Invariants.
   * - While a lease is in the set, a sweep is planned no later than its due time: the sweep drops
   *   its own plan before it reads the set, and add() puts the lease in the set before it compares
   *   plans, so a lease added during a sweep is either seen by it or plans its own.
   * - At most one renewal of a lease is in flight (the renewing set); so a late reply never
   *   overtakes a newer one, and renewed() only ever moves a deadline later.
   * - A new deadline counts from when the renewal was sent, never from its reply: the store's
   *   expiry was set after the send, so the belief ends before it whatever the reply's delay.
   * - markLost() is called at most once per lease, by whoever removes it from the set (a sweep past
   *   its deadline, or a reply that found it gone); a removed (closed) lease is never marked lost
   *   nor renewed again, though a renewal already in flight may still complete.
   * - Nothing here blocks the timer's thread: the sender only starts a renewal.
   */

  /** A lease as the renewer sees it: its holder's deadline, and what to do when it changes. */
  public interface Renewable {
    /**
     * Until when the holder may believe in the lease.
     *
     * @return a {@link System#nanoTime()} value
     */
    long deadlineNanos();

    /**
     * A renewal succeeded: the holder may believe in the lease until {@code newDeadlineNanos}, if
     * that is later than its deadline now.
     *
     * @param newDeadlineNanos a {@link System#nanoTime()} value
     */
    void renewed(long newDeadlineNanos);

    /** The lease can no longer be trusted: its deadline passed, or the store dropped it. */
    void markLost();
  }

  /**
   * Sends the renewal of a lease to the store.
   *
   * @param <L> the backend's lease
   */
  @FunctionalInterface
  public interface Sender<L> {
    /**
     * Starts the renewal of {@code lease} for one more lease length. Runs on the timer's thread,
     * so it must not wait for the store.
     *
     * @param lease the lease
     * @return completes with true if the store extended the lease, false if it no longer has it,
     *     or exceptionally if the outcome is unknown (tried again later)
     */
    CompletableFuture<Boolean> renew(L lease);
  }

  private record Plan(long atNanos, ScheduledFuture<?> task) {}

  private final long believedNanos; // what a holder may believe of a renewed lease
  private final long retryNanos;
  private final ScheduledExecutorService timer;
  private final Sender<? super L> sender;
  private final LongSupplier nanoClock; // System::nanoTime but in this class's own tests
  private final Set<L> leases = ConcurrentHashMap.newKeySet();
  private final Set<L> renewing = ConcurrentHashMap.newKeySet(); // one renewal in flight
  private final AtomicReference<@Nullable Plan> plan = new AtomicReference<>();

  /**
   * A renewer for the leases of one semaphore.
   *
   * @param leaseMillis the length of a lease in the store, in milliseconds (at least 3)
   * @param timer where sweeps run; shared by the semaphores of a backend (see {@link
   *     #watchdog(String)})
   * @param sender sends a renewal
   */
  public Renewer(long leaseMillis, ScheduledExecutorService timer, Sender<? super L> sender) {
    this(leaseMillis, timer, sender, System::nanoTime);
  }

  Renewer(
      long leaseMillis,
      ScheduledExecutorService timer,
      Sender<? super L> sender,
      LongSupplier nanoClock) {
    this.believedNanos = believedNanos(leaseMillis);
    this.retryNanos =
        Math.max(TimeUnit.MILLISECONDS.toNanos(1), TimeUnit.MILLISECONDS.toNanos(leaseMillis) / 6);
    this.timer = timer;
    this.sender = sender;
    this.nanoClock = nanoClock;
  }

  /**
   * How long a holder may believe in a lease that the store keeps {@code millis} from when its
   * statement was sent: that, less a margin for the two clocks' drift (1 % and 2 ms, as Redlock
   * allows), so that the belief ends before the store's expiry even if this JVM's clock runs slow.
   *
   * @param millis the lease's length in the store
   * @return nanoseconds to add to the {@link System#nanoTime()} at which the statement was sent
   */
  public static long believedNanos(long millis) {
    return TimeUnit.MILLISECONDS.toNanos(millis - millis / 100 - 2);
  }

  /**
   * The timer a backend's renewers share: one daemon platform thread for the JVM, which drops a
   * cancelled task at once (each sweep planned earlier cancels the one it replaces). The backends
   * also run their own short retries on it.
   *
   * @param threadName the thread's name, which says whose it is in a thread dump
   * @return a new timer
   */
  public static ScheduledThreadPoolExecutor watchdog(String threadName) {
    ScheduledThreadPoolExecutor watchdog =
        new ScheduledThreadPoolExecutor(1, Thread.ofPlatform().daemon().name(threadName).factory());
    watchdog.setRemoveOnCancelPolicy(true); // a closed semaphore's sweep leaves the queue at once
    return watchdog;
  }

  /**
   * Renews {@code lease} from now on, first when a third of what its holder believes has passed.
   *
   * @param lease a lease just granted
   */
  public void add(L lease) {
    leases.add(lease);
    planBy(renewalDue(lease));
  }

  /**
   * The lease was closed: it is no longer renewed (nor marked lost).
   *
   * @param lease the lease
   */
  public void remove(L lease) {
    leases.remove(lease);
  }

  /** When a third of the lease will have passed since its grant or last renewal was sent. */
  private long renewalDue(L lease) {
    return lease.deadlineNanos() - believedNanos * 2 / 3;
  }

  /** A renewal that failed is tried again a sixth of the lease later, or at the deadline. */
  private long retryDue(L lease, long now) {
    return earlier(lease.deadlineNanos(), now + retryNanos);
  }

  private static long earlier(long a, long b) {
    return a - b <= 0 ? a : b; // nanoTime values compare by difference
  }

  /** Makes sure a sweep runs no later than {@code atNanos}. */
  private void planBy(long atNanos) {
    while (true) {
      Plan planned = plan.get();
      if (planned != null && planned.atNanos() - atNanos <= 0) {
        return;
      }
      long delay = Math.max(0, atNanos - nanoClock.getAsLong());
      ScheduledFuture<?> task = timer.schedule(this::sweep, delay, TimeUnit.NANOSECONDS);
      if (plan.compareAndSet(planned, new Plan(atNanos, task))) {
        if (planned != null) {
          planned.task().cancel(false);
        }
        return;
      }
      task.cancel(false); // another plan won: look again
    }
  }

  private void sweep() {
    Plan planned = plan.get();
    if (planned != null && planned.atNanos() - nanoClock.getAsLong() > 0) {
      return; // replaced by a later plan that has not come yet (a cancel that came too late)
    }
    plan.compareAndSet(planned, null);
    long now = nanoClock.getAsLong();
    long next = Long.MAX_VALUE;
    boolean any = false;
    for (L lease : leases) {
      if (now - lease.deadlineNanos() >= 0) {
        lost(lease);
        continue;
      }
      long due = renewalDue(lease);
      if (now - due >= 0 && renewing.add(lease)) {
        due = renew(lease, now) ? lease.deadlineNanos() : retryDue(lease, now);
      } else if (now - due >= 0) {
        due = lease.deadlineNanos(); // its renewal is in flight
      }
      next = any ? earlier(next, due) : due;
      any = true;
    }
    if (any) { // else nothing is planned until a lease is added
      planBy(next);
    }
  }

  /** Sends a renewal; false if it could not be sent (tried again later). */
  private boolean renew(L lease, long sent) {
    CompletableFuture<Boolean> reply;
    try {
      reply = sender.renew(lease);
    } catch (RuntimeException unreachable) {
      renewing.remove(lease);
      return false;
    }
    reply.whenComplete(
        (@Nullable Boolean extended, @Nullable Throwable failure) -> {
          renewing.remove(lease);
          if (failure == null && Boolean.TRUE.equals(extended)) {
            lease.renewed(sent + believedNanos);
            if (leases.contains(lease)) {
              planBy(renewalDue(lease));
            }
          } else if (failure == null) {
            lost(lease); // the store no longer has it: its permits may be someone else's
          } else if (leases.contains(lease)) {
            planBy(retryDue(lease, nanoClock.getAsLong()));
          }
        });
    return true;
  }

  private void lost(L lease) {
    if (leases.remove(lease)) {
      lease.markLost();
    }
  }
}
