package io.permits;

import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.FutureTask;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.RunnableFuture;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BiConsumer;
import org.jspecify.annotations.Nullable;

/**
 * An {@link ExecutorService} that runs each task on a new thread of its own (a virtual thread
 * by default, never pooled) while holding one permit of a {@link Semaphore}, so that at most
 * {@link Semaphore#limit()} tasks run at once.
 *
 * <p>A task takes its permit <em>before</em> its thread is created: {@link #execute(Runnable)}
 * asks the semaphore with {@link Semaphore#acquireAsync()} and returns; when the permit is
 * granted a thread is started that runs the task and then closes the permit, whatever the task
 * does. A waiting task therefore costs an entry in the semaphore's queue, not a thread: a
 * hundred thousand queued tasks on a semaphore of limit 2 have two threads between them. The
 * semaphore may be shared with other code; the executor's tasks then compete with it for
 * permits in the semaphore's {@link Fairness} order.
 *
 * <p>The pool of Python's tutorial (ten tasks, at most three at a time):
 *
 * <pre> {@code
 * try (BoundedExecutor pool = BoundedExecutor.create(Semaphore.of(3))) {
 *   for (int i = 1; i <= 10; i++) {
 *     int taskId = i;
 *     pool.submit(() -> {
 *       System.out.println("Task " + taskId + " is running on " + Thread.currentThread());
 *       Thread.sleep(Duration.ofSeconds(2)); // simulate task execution
 *       System.out.println("Task " + taskId + " is completed");
 *       return null;
 *     });
 *   }
 * } // close() waits for all ten tasks
 * System.out.println("All tasks completed");
 * }</pre>
 *
 * <p>Options, set with {@link #builder(Semaphore)}: the {@link ThreadFactory} (virtual threads by
 * default), and a bound on tasks submitted but not yet started ({@link Builder#maxQueued(int)}),
 * beyond which a submission is rejected ({@link Builder#rejectWhenFull()}, the default) or
 * blocks its caller until a task starts ({@link Builder#blockWhenFull()}).
 *
 * <p>Life cycle, as {@link ExecutorService} specifies: {@link #shutdown()} refuses new tasks and
 * lets queued ones run; {@link #shutdownNow()} withdraws queued tasks from the semaphore's queue,
 * returns them, and interrupts running ones; the executor is terminated once it is shut down
 * and no task is queued or running, and every permit it was granted has been closed. If the
 * semaphore is {@linkplain Semaphore#close() closed}, queued tasks are dropped without running
 * (a {@link java.util.concurrent.Future} from {@code submit} then fails with the {@link
 * SemaphoreClosedException}) and new ones are rejected, so the executor can still terminate.
 *
 * <p>The executor does not own the semaphore: shutting it down or closing it leaves the
 * semaphore open. Close the semaphore yourself if nothing else uses it.
 *
 * <p>No method waits on an object monitor: waiting for a queue
 * slot or for termination parks on a {@link ReentrantLock} condition and never pins a virtual
 * thread.
 *
 * <p>Memory consistency: actions in a thread before submitting a task <i>happen-before</i> the
 * task runs; actions of a task <i>happen-before</i> its result is read through its {@code
 * Future} and before {@link #awaitTermination} returns true.
 */
public final class BoundedExecutor extends AbstractExecutorService {

  /*
   * Implementation notes
   * ====================
   *
   * A task moves through three places, all guarded by `lock`:
   *
   *   execute ──> queue ──(permit granted)──> running ──(task done, permit closed)──> gone
   *                 │
   *                 ├──(semaphore closed: the request failed)──> gone, not run
   *                 └──(shutdownNow)──> withdrawing ──(request cancelled, or its
   *                                                    late grant closed)──> gone
   *
   * `queue` and `running` are intrusive FIFO lists (a task is in at most one; `prev`/`next`
   * serve both). The executor is terminated when it is shut down and all three are empty;
   * `withdrawing` counts tasks taken by shutdownNow whose semaphore request is not yet settled,
   * so that termination implies every permit the executor was granted has been closed.
   *
   * Submitting: admit() queues the task under the lock (rejecting or blocking on `notFull` if
   * the queue is at maxQueued), then, outside the lock, acquireAsync() is called and the future
   * is stored in the task (attach). A future already complete is settled inline, so a failure
   * (closed semaphore, failing thread factory) is thrown from execute(); otherwise settle() runs
   * as a dependent stage, on the thread that completed the future (a releasing task's thread,
   * a closer, a canceller), after the semaphore has let go of its own lock.
   *
   * Settling (exactly once per task): under the lock, a task still in the queue moves to
   * `running` if it got a permit (a thread is then created and started outside the lock; if
   * that fails the permit is closed and the task leaves `running`), or leaves if its request
   * failed. A withdrawn task's permit, if the grant won the race with the cancel, is closed at
   * once.
   *
   * Withdrawing (shutdownNow): under the lock every queued task is marked withdrawn, moved to
   * `withdrawing` and its command listed; outside the lock each stored future is cancelled. A
   * task not yet attached is cancelled by its submitter when attach() sees the mark. Whoever
   * cancels successfully leaves `withdrawing` for it; otherwise the request was granted or
   * failed and settle() does. The semaphore guarantees that a cancel and a grant never both win.
   *
   * Lock order: this executor's lock is never held while calling into the semaphore except
   * isClosed(), and never while completing or cancelling a future, so settle() (which takes the
   * lock) never runs nested inside it.
   */

  private static final System.Logger LOG = System.getLogger(BoundedExecutor.class.getName());

  // Run states, in order; each move is forward only, under the lock.
  private static final int RUNNING = 0;
  private static final int SHUTDOWN = 1;
  private static final int STOP = 2;

  private final Semaphore semaphore;
  private final ThreadFactory threadFactory;
  private final int maxQueued; // Integer.MAX_VALUE when unbounded
  private final boolean blockWhenFull;

  private final ReentrantLock lock = new ReentrantLock();
  private final Condition notFull = lock.newCondition();
  private final Condition termination = lock.newCondition();

  // Written under the lock; volatile so that getters may read them without it.
  private volatile int runState = RUNNING;
  private volatile boolean terminated;

  // Guarded by lock.
  private final TaskList queue = new TaskList();
  private final TaskList running = new TaskList();
  private int withdrawing;

  private BoundedExecutor(Builder builder) {
    this.semaphore = builder.semaphore;
    this.threadFactory =
        builder.threadFactory != null
            ? builder.threadFactory
            : Thread.ofVirtual().name("permits-" + semaphore.name() + "-task-", 1).factory();
    this.maxQueued = builder.maxQueued;
    this.blockWhenFull = builder.blockWhenFull;
  }

  /**
   * Creates an executor with the default options: virtual threads, no bound on queued tasks.
   *
   * @param semaphore bounds the tasks running at once, one permit each; not owned (not closed)
   *     by the executor
   * @return a new executor
   */
  public static BoundedExecutor create(Semaphore semaphore) {
    return builder(semaphore).build();
  }

  /**
   * Starts building an executor over {@code semaphore}.
   *
   * @param semaphore bounds the tasks running at once, one permit each; not owned (not closed)
   *     by the executor
   * @return a builder with the default options
   */
  public static Builder builder(Semaphore semaphore) {
    return new Builder(Objects.requireNonNull(semaphore, "semaphore"));
  }

  /**
   * The semaphore whose permits the tasks hold while they run.
   *
   * @return the semaphore, as given to the builder
   */
  public Semaphore semaphore() {
    return semaphore;
  }

  /**
   * The number of tasks submitted but not yet started (waiting for a permit); an estimate while
   * other threads go on.
   *
   * @return queued tasks
   */
  public int queued() {
    return queue.size;
  }

  /**
   * The number of tasks holding a permit now (starting, running or finishing); an estimate
   * while other threads go on.
   *
   * @return running tasks
   */
  public int running() {
    return running.size;
  }

  // ---------------------------------------------------------------- submitting

  /**
   * Queues {@code command} to run on a new thread once it holds a permit of the semaphore. The
   * call returns without waiting for the permit, unless the executor was built with {@link
   * Builder#blockWhenFull()} and its queue is full.
   *
   * @param command the task
   * @throws RejectedExecutionException if the executor is shut down, the semaphore is closed,
   *     the queue is full (and the executor rejects when full), the caller was interrupted while
   *     blocked waiting for a queue slot (its interrupt flag is then set again), or a permit was
   *     free at once but the thread factory failed to start a thread
   * @throws NullPointerException if {@code command} is null
   */
  @Override
  public void execute(Runnable command) {
    Objects.requireNonNull(command, "command");
    Task task = new Task(command);
    admit(task);
    CompletableFuture<Permit> request;
    try {
      request = semaphore.acquireAsync();
    } catch (RuntimeException refused) { // the semaphore closed since admit() looked
      if (retract(task)) {
        throw rejected(command, "semaphore '" + semaphore.name() + "' refused it", refused);
      }
      return; // shutdownNow() took it first and listed it as never started
    }
    if (!attach(task, request)) { // shutdownNow() took it before the future was stored
      if (request.cancel(false)) {
        leaveWithdrawing(1);
      }
    }
    RejectedExecutionException failure = null;
    if (request.isDone()) {
      failure = settleNow(task, request);
    } else {
      request.whenComplete(task);
    }
    if (failure != null) {
      throw failure;
    }
  }

  /**
   * Queues the task, or throws if the executor is shut down, the semaphore closed, or the queue
   * full (after blocking for a slot, if so configured).
   */
  private void admit(Task task) {
    lock.lock();
    try {
      for (; ; ) {
        if (runState != RUNNING) {
          throw rejected(task.command, "the executor is shut down", null);
        }
        if (semaphore.isClosed()) {
          throw rejected(
              task.command, "semaphore '" + semaphore.name() + "' is closed", null);
        }
        if (queue.size < maxQueued) {
          break;
        }
        if (!blockWhenFull) {
          throw rejected(
              task.command,
              "the queue is full: " + queue.size + " tasks wait, maxQueued is " + maxQueued,
              null);
        }
        try {
          notFull.await();
        } catch (InterruptedException e) {
          if (queue.size < maxQueued) {
            notFull.signal(); // pass on a signal this thread may have consumed
          }
          Thread.currentThread().interrupt();
          throw rejected(task.command, "interrupted while waiting for a queue slot", e);
        }
      }
      queue.add(task);
    } finally {
      lock.unlock();
    }
  }

  /** Stores the request in the task; false if shutdownNow() withdrew the task first. */
  private boolean attach(Task task, CompletableFuture<Permit> request) {
    lock.lock();
    try {
      if (task.withdrawn) {
        return false;
      }
      task.request = request;
      return true;
    } finally {
      lock.unlock();
    }
  }

  /** Takes back a task whose request was refused; false if shutdownNow() withdrew it first. */
  private boolean retract(Task task) {
    lock.lock();
    try {
      if (task.withdrawn) {
        withdrawing--;
        tryTerminate();
        return false;
      }
      queue.remove(task);
      notFull.signal();
      tryTerminate();
      return true;
    } finally {
      lock.unlock();
    }
  }

  /** Settles a task whose request is already complete, on the submitting thread. */
  private @Nullable RejectedExecutionException settleNow(
      Task task, CompletableFuture<Permit> request) {
    return switch (request.state()) {
      case SUCCESS -> settle(task, request.resultNow(), null, true);
      case FAILED -> settle(task, null, request.exceptionNow(), true);
      default -> settle(task, null, new CancellationException(), true);
    };
  }

  // ---------------------------------------------------------------- settling and running

  /**
   * Acts on the outcome of a task's request, exactly once per task: starts the task, drops it,
   * or (if withdrawn) closes a permit that won the race with the cancel. When {@code inline}
   * (on the submitting thread), a failure is returned for execute() to throw; otherwise it is
   * reported through the task's future, or logged.
   */
  private @Nullable RejectedExecutionException settle(
      Task task, @Nullable Permit permit, @Nullable Throwable failure, boolean inline) {
    boolean withdrawn;
    lock.lock();
    try {
      withdrawn = task.withdrawn;
      if (!withdrawn) {
        queue.remove(task);
        notFull.signal();
        if (permit != null) {
          running.add(task);
        } else {
          tryTerminate();
        }
      }
    } finally {
      lock.unlock();
    }
    if (withdrawn) {
      if (permit != null) {
        permit.close(); // the grant beat shutdownNow's cancel
      }
      if (!(unwrap(failure) instanceof CancellationException)) {
        leaveWithdrawing(1); // a successful cancel is counted by the canceller
      }
      return null;
    }
    if (permit == null) {
      Throwable cause = unwrap(failure);
      if (cause == null) { // a Semaphore implementation completed the request with null
        cause =
            new NullPointerException(
                "semaphore '" + semaphore.name() + "' granted null instead of a permit");
      }
      if (inline) {
        return rejected(task.command, "no permit: " + cause, cause);
      }
      if (task.command instanceof TaskFuture<?> future) {
        future.fail(cause);
      }
      return null;
    }
    return start(task, permit, inline);
  }

  /** Starts a thread for a task that holds its permit; on failure, gives the permit back. */
  private @Nullable RejectedExecutionException start(Task task, Permit permit, boolean inline) {
    task.permit = permit;
    Throwable error = null;
    try {
      Thread thread = threadFactory.newThread(task);
      if (thread == null) {
        error = new NullPointerException("thread factory " + threadFactory + " returned null");
      } else {
        thread.start();
      }
    } catch (RuntimeException | Error e) {
      error = e;
    }
    if (error == null) {
      return null;
    }
    permit.close();
    lock.lock();
    try {
      running.remove(task);
      tryTerminate();
    } finally {
      lock.unlock();
    }
    RejectedExecutionException rejection =
        rejected(task.command, "thread factory " + threadFactory + " failed: " + error, error);
    if (inline) {
      return rejection;
    }
    if (task.command instanceof TaskFuture<?> future) {
      future.fail(rejection);
    } else {
      LOG.log(Level.WARNING, "task " + task.command + " dropped: no thread to run it", rejection);
    }
    return null;
  }

  /** The body of a task's thread: runs the command, then closes the permit and leaves. */
  private void runTask(Task task) {
    boolean stopping;
    lock.lock();
    try {
      task.thread = Thread.currentThread();
      stopping = runState >= STOP;
    } finally {
      lock.unlock();
    }
    if (stopping) {
      Thread.currentThread().interrupt(); // shutdownNow() came before this thread could be seen
    }
    try {
      task.command.run();
    } finally {
      Permit permit = task.permit;
      task.permit = null;
      if (permit != null) {
        permit.close();
      }
      lock.lock();
      try {
        task.thread = null;
        running.remove(task);
        tryTerminate();
      } finally {
        lock.unlock();
      }
    }
  }

  // ---------------------------------------------------------------- life cycle

  /**
   * Refuses new tasks; tasks already queued still run. Does not wait for them (use {@link
   * #awaitTermination}). Idempotent. Submitters blocked waiting for a queue slot are rejected.
   */
  @Override
  public void shutdown() {
    lock.lock();
    try {
      if (runState == RUNNING) {
        runState = SHUTDOWN;
      }
      notFull.signalAll();
      tryTerminate();
    } finally {
      lock.unlock();
    }
  }

  /**
   * Refuses new tasks, withdraws every queued task from the semaphore's queue (cancelling its
   * request; a permit granted in the same instant is closed at once) and interrupts the threads
   * of running tasks. Does not wait for running tasks to finish; a task that ignores interrupts
   * may run on.
   *
   * @return the tasks that never started, in submission order (for {@code submit}, the {@link
   *     java.util.concurrent.Future}s it returned, which stay incomplete)
   */
  @Override
  public List<Runnable> shutdownNow() {
    List<Runnable> neverStarted;
    List<CompletableFuture<Permit>> toCancel = new ArrayList<>();
    lock.lock();
    try {
      runState = STOP;
      neverStarted = new ArrayList<>(queue.size);
      for (Task task = queue.head; task != null; task = task.next) {
        task.withdrawn = true;
        neverStarted.add(task.command);
        if (task.request != null) {
          toCancel.add(task.request);
        }
      }
      withdrawing += queue.size;
      queue.clear();
      for (Task task = running.head; task != null; task = task.next) {
        if (task.thread != null) {
          task.thread.interrupt();
        }
      }
      notFull.signalAll();
      tryTerminate();
    } finally {
      lock.unlock();
    }
    int cancelled = 0;
    for (CompletableFuture<Permit> request : toCancel) {
      if (request.cancel(false)) {
        cancelled++;
      }
    }
    if (cancelled > 0) {
      leaveWithdrawing(cancelled);
    }
    return neverStarted;
  }

  /**
   * Whether {@link #shutdown()} or {@link #shutdownNow()} was called.
   *
   * @return true once shut down
   */
  @Override
  public boolean isShutdown() {
    return runState != RUNNING;
  }

  /**
   * Whether the executor is shut down, no task is queued or running, and every permit it was
   * granted has been closed.
   *
   * @return true once terminated
   */
  @Override
  public boolean isTerminated() {
    return terminated;
  }

  /**
   * Waits until the executor {@linkplain #isTerminated() terminates} or the time runs out. Parks
   * on a lock condition, so a virtual thread waiting here is not pinned.
   *
   * @param timeout the longest wait
   * @param unit the unit of {@code timeout}
   * @return true if terminated, false if the time ran out first
   * @throws InterruptedException if interrupted while waiting
   */
  @Override
  public boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
    long nanos = unit.toNanos(timeout);
    lock.lock();
    try {
      while (!terminated) {
        if (nanos <= 0L) {
          return false;
        }
        nanos = termination.awaitNanos(nanos);
      }
      return true;
    } finally {
      lock.unlock();
    }
  }

  /**
   * Shuts down and waits until every queued and running task has finished, as {@link
   * ExecutorService#close()} specifies: if interrupted while waiting it calls {@link
   * #shutdownNow()}, goes on waiting, and sets the interrupt flag again before returning. Does
   * not close the semaphore. Must not be called from one of this executor's tasks (it would
   * wait for itself).
   */
  @Override
  public void close() {
    if (terminated) {
      return;
    }
    shutdown();
    boolean interrupted = false;
    while (!terminated) {
      try {
        awaitTermination(1L, TimeUnit.DAYS);
      } catch (InterruptedException e) {
        if (!interrupted) {
          shutdownNow();
          interrupted = true;
        }
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  /** Returns the semaphore's name, the run state and the task counts, for logs and debuggers. */
  @Override
  public String toString() {
    String state =
        terminated
            ? "terminated"
            : switch (runState) {
              case RUNNING -> "running";
              case SHUTDOWN -> "shut down";
              default -> "stopping";
            };
    return "BoundedExecutor[semaphore '"
        + semaphore.name()
        + "', "
        + state
        + ", queued "
        + queue.size
        + ", running "
        + running.size
        + (maxQueued == Integer.MAX_VALUE
            ? ""
            : ", maxQueued " + maxQueued + (blockWhenFull ? " (block)" : " (reject)"))
        + "]";
  }

  // ---------------------------------------------------------------- Future tasks

  /**
   * Wraps a value-returning task in a future that this executor can fail if the task is
   * dropped.
   */
  @Override
  protected <T> RunnableFuture<T> newTaskFor(Callable<T> callable) {
    return new TaskFuture<>(callable);
  }

  /**
   * Wraps a task in a future that this executor can fail if the task is dropped.
   */
  @Override
  protected <T> RunnableFuture<T> newTaskFor(Runnable runnable, @Nullable T value) {
    return new TaskFuture<>(runnable, value);
  }

  // ---------------------------------------------------------------- helpers

  private void leaveWithdrawing(int count) {
    lock.lock();
    try {
      withdrawing -= count;
      tryTerminate();
    } finally {
      lock.unlock();
    }
  }

  /** Marks the executor terminated if it now is. Call under the lock. */
  private void tryTerminate() {
    if (!terminated
        && runState != RUNNING
        && queue.size == 0
        && running.size == 0
        && withdrawing == 0) {
      terminated = true;
      termination.signalAll();
    }
  }

  private RejectedExecutionException rejected(
      Runnable command, String reason, @Nullable Throwable cause) {
    return new RejectedExecutionException(
        "task " + command + " rejected by " + this + ": " + reason, cause);
  }

  private static @Nullable Throwable unwrap(@Nullable Throwable failure) {
    return failure instanceof CompletionException && failure.getCause() != null
        ? failure.getCause()
        : failure;
  }

  /**
   * A submitted task: its command, its semaphore request, and links for the list it is in.
   * Also the thread body ({@link Runnable}) and the request's completion action.
   */
  private final class Task implements Runnable, BiConsumer<Permit, Throwable> {
    final Runnable command;
    // Guarded by lock.
    @Nullable CompletableFuture<Permit> request;
    boolean withdrawn;
    @Nullable Thread thread;
    @Nullable Task prev;
    @Nullable Task next;
    // Written before the thread starts, read by it.
    @Nullable Permit permit;

    Task(Runnable command) {
      this.command = command;
    }

    @Override
    public void run() {
      runTask(this);
    }

    @Override
    public void accept(@Nullable Permit granted, @Nullable Throwable failure) {
      settle(this, granted, failure, false);
    }

    @Override
    public String toString() {
      return command.toString();
    }
  }

  /** An intrusive FIFO list of tasks, guarded by the executor's lock. */
  private static final class TaskList {
    @Nullable Task head;
    @Nullable Task tail;
    volatile int size; // written under the lock, read without it by the getters

    void add(Task task) {
      Task last = tail;
      task.prev = last;
      task.next = null;
      if (last == null) {
        head = task;
      } else {
        last.next = task;
      }
      tail = task;
      size++;
    }

    void remove(Task task) {
      Task prev = task.prev;
      Task next = task.next;
      if (prev == null) {
        head = next;
      } else {
        prev.next = next;
      }
      if (next == null) {
        tail = prev;
      } else {
        next.prev = prev;
      }
      task.prev = null;
      task.next = null;
      size--;
    }

    void clear() {
      for (Task task = head; task != null; ) {
        Task next = task.next;
        task.prev = null;
        task.next = null;
        task = next;
      }
      head = null;
      tail = null;
      size = 0;
    }
  }

  /** A {@link FutureTask} that the executor can fail when it drops the task unrun. */
  private static final class TaskFuture<T> extends FutureTask<T> {
    TaskFuture(Callable<T> callable) {
      super(callable);
    }

    TaskFuture(Runnable runnable, @Nullable T value) {
      super(runnable, value);
    }

    void fail(Throwable cause) {
      setException(cause);
    }
  }

  /**
   * Builds a {@link BoundedExecutor}. Not thread-safe; each {@link #build()} makes a new,
   * independent executor over the same semaphore.
   */
  public static final class Builder {
    private final Semaphore semaphore;
    private @Nullable ThreadFactory threadFactory;
    private int maxQueued = Integer.MAX_VALUE;
    private boolean blockWhenFull;

    private Builder(Semaphore semaphore) {
      this.semaphore = semaphore;
    }

    /**
     * Sets the factory that makes each task's thread. It is called once per task, after the
     * task got its permit, on whichever thread completed the permit's request; it must return
     * a new, unstarted thread. If it returns null or throws, the permit is closed and the task
     * is rejected (thrown from {@code execute} if the permit came at once, else reported
     * through the task's {@code Future}, or logged). The default makes virtual threads named
     * {@code permits-<semaphore name>-task-<n>}.
     *
     * @param threadFactory the factory
     * @return this builder
     */
    public Builder threadFactory(ThreadFactory threadFactory) {
      this.threadFactory = Objects.requireNonNull(threadFactory, "threadFactory");
      return this;
    }

    /**
     * Bounds the number of tasks submitted but not yet started. By default there is no bound:
     * each waiting task costs one entry in the semaphore's queue.
     *
     * @param maxQueued at least 1
     * @return this builder
     * @throws IllegalArgumentException if {@code maxQueued < 1}
     */
    public Builder maxQueued(int maxQueued) {
      if (maxQueued < 1) {
        throw new IllegalArgumentException("maxQueued must be at least 1, was " + maxQueued);
      }
      this.maxQueued = maxQueued;
      return this;
    }

    /**
     * When {@link #maxQueued(int)} tasks wait, {@code execute} and {@code submit} throw {@link
     * RejectedExecutionException} naming the bound. The default. No effect without a bound.
     *
     * @return this builder
     */
    public Builder rejectWhenFull() {
      this.blockWhenFull = false;
      return this;
    }

    /**
     * When {@link #maxQueued(int)} tasks wait, {@code execute} and {@code submit} block the
     * caller until a queued task starts (or leaves). A caller interrupted while blocked gets
     * {@link RejectedExecutionException} with its interrupt flag set again; one blocked when the
     * executor shuts down is rejected too. No effect without a bound.
     *
     * @return this builder
     */
    public Builder blockWhenFull() {
      this.blockWhenFull = true;
      return this;
    }

    /**
     * Builds a new executor over the semaphore.
     *
     * @return the executor, accepting tasks
     */
    public BoundedExecutor build() {
      return new BoundedExecutor(this);
    }
  }
}
