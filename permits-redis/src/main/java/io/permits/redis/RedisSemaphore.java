package io.permits.redis;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.permits.Fairness;
import io.permits.Lease;
import io.permits.LocalSemaphore;
import io.permits.Permit;
import io.permits.PermitHolder;
import io.permits.SemaphoreClosedException;
import io.permits.SemaphoreStats;
import io.permits.backend.GateLimit;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Pattern;

/**
 * A semaphore shared by every client of one Redis primary that names it: at most {@link
 * #limit()} permits are held at once, across all of them. Permits are {@link Lease leases}: they
 * expire unless renewed, so a crashed holder's permits come back within one lease; each grant
 * carries a fencing token.
 *
 * <pre>{@code
 * try (RedisSemaphore api = RedisSemaphore.builder("redis://localhost:6379")
 *         .name("api").limit(10).lease(Duration.ofSeconds(30)).build();
 *     Lease lease = api.acquire()) {
 *   callTheApi(lease.token());
 * }
 * }</pre>
 *
 * <p>What one primary guarantees: the permits held never exceed the limit; a holder that stops
 * renewing loses its permits within one lease (by the server's clock); tokens strictly increase.
 * What it does not: Redis replicates asynchronously, so after a failover the new primary may have
 * lost recent grants and hand the same permits out again, and tokens may repeat. Fencing at the
 * resource (refuse tokens lower than the highest seen) limits the harm of the first; nothing here
 * survives the second without a consensus store. See docs/distributed.md.
 *
 * <p>Implementation notes. All keys of a semaphore live under one hash tag; each operation is
 * one Lua script, with time from {@code redis.call('TIME')}. A request first takes permits of
 * an in-process gate (a {@link LocalSemaphore} with the same limit, so threads of this JVM queue,
 * time out and get interrupted in memory), then runs the acquire script: one round trip when
 * permits are free. Otherwise the script queues a ticket (FIFO across clients, each ticket with a
 * deadline the waiter refreshes). The release, cancel or limit script that frees permits hands
 * them to the queue's heads that fit, in order: their tickets become leases in that same script,
 * and each client learns its token from a message on its own channel ({@link TicketWaiter}). The
 * waiter parks until that message comes, or until the next holder's expiry or its ticket's
 * refresh is due; it then asks again, and a grant made meanwhile is the reply — a lost message
 * costs time, not correctness. Every way out of a wait withdraws the ticket, or releases the lease
 * it was handed; a grant that reaches a caller who gave up is released at once. Script
 * calls wait for their reply without being interruptible, so a reply is never lost to an
 * interrupt. A sweep renews each lease when a third of it has passed ({@link Renewer}).
 */
public final class RedisSemaphore implements io.permits.Semaphore {

  private static final System.Logger LOG = System.getLogger(RedisSemaphore.class.getName());
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.:-]{1,200}");
  private static final long TICKET_REFRESH_MILLIS = 1_000;
  private static final long TICKET_TTL_MILLIS = 5_000;
  private static final int RELEASE_ATTEMPTS = 5;

  private final String name;
  private final RedisKeys keys;
  private final long leaseMillis;
  private final String clientId = UUID.randomUUID().toString();
  private final String who;
  private final Map<String, TicketWaiter> waiters = new ConcurrentHashMap<>();
  private final Renewer renewer;
  private final RedisLink link;
  private final LocalSemaphore gate;
  private final GateLimit gateLimit; // the gate follows the newest limit read from Redis
  private final AtomicBoolean closed = new AtomicBoolean();
  private final AtomicLong requests = new AtomicLong();
  private final Handoffs handoffs;
  private final DeferredReleases deferred;
  private final GrantBatches batches = new GrantBatches(this::sendGrants, WATCHDOG);

  /** Renews every semaphore's leases: one daemon thread for the JVM. */
  private static final ScheduledThreadPoolExecutor WATCHDOG = watchdog();

  private static ScheduledThreadPoolExecutor watchdog() {
    ScheduledThreadPoolExecutor watchdog =
        new ScheduledThreadPoolExecutor(
            1, Thread.ofPlatform().daemon().name("permits-redis-watchdog").factory());
    watchdog.setRemoveOnCancelPolicy(true); // a closed semaphore's sweep leaves the queue at once
    return watchdog;
  }

  private RedisSemaphore(Builder builder) {
    this.name = builder.name;
    this.keys = new RedisKeys(name);
    this.leaseMillis = builder.lease.toMillis();
    this.who = HolderRecord.describeThisProcess(builder.command);
    this.deferred = new DeferredReleases(WATCHDOG, this::sendReleases); // before any script
    this.link =
        new RedisLink(
            builder.client,
            keys.wakeChannel(clientId),
            (channel, message) -> {
              TicketWaiter waiter = waiters.get(TicketWaiter.ticketOf(message));
              if (waiter != null) {
                waiter.granted(TicketWaiter.tokenOf(message));
              }
            });
    List<Object> recorded;
    try {
      recorded = openLimit(builder.limit, builder.changeLimit);
    } catch (RuntimeException failed) {
      link.retire();
      throw failed;
    }
    this.gate =
        LocalSemaphore.builder()
            .name(name)
            .limit(toInt(recorded.get(0)))
            .fairness(builder.fairness)
            .build();
    this.gateLimit = new GateLimit(gate, toInt(recorded.get(0)), toInt(recorded.get(2)));
    this.renewer = new Renewer(leaseMillis, WATCHDOG, this::sendRenewal);
    this.handoffs =
        new Handoffs(
            id -> {
              waiters.remove(id); // its ticket, had it queued, is withdrawn or released
              releaseId(id, link::release); // then the use the closed lease passed on
            },
            WATCHDOG);
  }

  /**
   * Starts building a semaphore on a client the caller owns (and closes).
   *
   * @param client a Lettuce client
   * @return a builder
   */
  public static Builder builder(RedisClient client) {
    return new Builder(Objects.requireNonNull(client, "client"));
  }

  /**
   * Starts building a semaphore on a Lettuce client for the URI that this library makes once per
   * URI and keeps for the life of the JVM (its threads are daemons); the semaphore's connections
   * close with it.
   *
   * @param uri a Redis URI such as {@code redis://localhost:6379}
   * @return a builder
   * @throws IllegalArgumentException if the URI is not a Redis URI
   */
  public static Builder builder(String uri) {
    Objects.requireNonNull(uri, "uri");
    try {
      RedisURI parsed = RedisURI.create(uri);
      return new Builder(SharedClients.forUri(uri, parsed));
    } catch (RuntimeException bad) {
      throw new IllegalArgumentException(
          "bad Redis URI '" + uri + "': " + bad.getMessage() + " (e.g. redis://localhost:6379)",
          bad);
    }
  }

  @Override
  public String name() {
    return name;
  }

  /**
   * {@inheritDoc}
   *
   * <p>Read from Redis: another client may have changed it.
   */
  @Override
  public int limit() {
    List<Object> reply = call(RedisScripts.LIMIT, "0", "read");
    int recorded = toInt(reply.get(0));
    gateLimit.report(recorded, toInt(reply.get(2)));
    return recorded;
  }

  @Override
  public int available() {
    List<Object> state = readState();
    int limit = toInt(state.get(0));
    int used = toInt(state.get(1));
    return Math.max(0, Math.min(gate.available(), limit - used));
  }

  @Override
  public int waiting() {
    List<Object> state = readState();
    return gate.waiting() + HolderRecord.queued(state);
  }

  /**
   * {@inheritDoc}
   *
   * @return a {@link Lease}: its token, its remaining time, and a future that completes if it is
   *     lost (every permit this semaphore hands out is a lease, including those in the {@code
   *     Optional} and {@code CompletableFuture} results of the other methods)
   */
  @Override
  public Lease acquire() throws InterruptedException {
    return acquire(1);
  }

  @Override
  public Lease acquire(int permits) throws InterruptedException {
    long began = System.nanoTime();
    refreshLimitBefore(permits);
    Permit gatePermit = gate.acquire(permits);
    return remote(gatePermit, true, false, 0, began);
  }

  @Override
  public Optional<Permit> tryAcquire(int permits) {
    refreshLimitBefore(permits);
    Optional<Permit> gatePermit = gate.tryAcquire(permits);
    if (gatePermit.isEmpty()) {
      return Optional.empty();
    }
    try {
      return Optional.ofNullable(remote(gatePermit.get(), false, false, 0, System.nanoTime()));
    } catch (InterruptedException cannotHappen) {
      Thread.currentThread().interrupt();
      return Optional.empty();
    }
  }

  @Override
  public Optional<Permit> tryAcquire(int permits, Duration timeout) throws InterruptedException {
    Objects.requireNonNull(timeout, "timeout");
    long began = System.nanoTime();
    long deadline = began + saturatedNanos(timeout);
    refreshLimitBefore(permits);
    Optional<Permit> gatePermit = gate.tryAcquire(permits, timeout);
    if (gatePermit.isEmpty()) {
      return Optional.empty();
    }
    return Optional.ofNullable(remote(gatePermit.get(), true, true, deadline, began));
  }

  /**
   * {@inheritDoc}
   *
   * <p>The request first waits, without a thread, for its permits at this client's in-process
   * gate; once it has them, it waits for Redis on a virtual thread of its own, so at most {@code
   * limit} such threads exist per semaphore (fewer for weighted requests), however many requests
   * are pending. Cancelling the future withdraws the request: at the gate by removing it, in Redis
   * by interrupting its thread, which withdraws its queue ticket too.
   */
  @Override
  public CompletableFuture<Permit> acquireAsync(int permits) {
    long began = System.nanoTime();
    refreshLimitBefore(permits);
    CompletableFuture<Permit> gateFuture = gate.acquireAsync(permits);
    if (gateFuture.isCompletedExceptionally()) {
      return gateFuture;
    }
    CompletableFuture<Permit> result = new CompletableFuture<>();
    AtomicReference<Thread> waiter = new AtomicReference<>();
    AtomicBoolean settledHere = new AtomicBoolean(); // set before the waiting thread completes
    gateFuture.whenComplete(
        (gatePermit, failure) -> {
          if (failure != null) {
            // inline, on the thread that failed it (a close, say), as the gate does
            result.completeExceptionally(
                failure instanceof CompletionException && failure.getCause() != null
                    ? failure.getCause()
                    : failure);
            return;
          }
          if (result.isDone()) {
            gatePermit.close();
            return;
          }
          waiter.set(
              Thread.ofVirtual()
                  .name("permits-redis-async " + name)
                  .start(() -> completeRemotely(gatePermit, result, settledHere, began)));
          if (result.isDone() && !settledHere.get()) {
            waiter.get().interrupt(); // cancelled while the thread started
          }
        });
    result.whenComplete(
        (permit, failure) -> {
          if (!gateFuture.isDone()) {
            gateFuture.cancel(false);
          }
          // withdrawn by the caller (cancel, orTimeout, its own complete): stop the wait; never
          // interrupt the thread for its own completion, whose dependents may be running on it
          Thread thread = waiter.get();
          if (thread != null && !settledHere.get()) {
            thread.interrupt();
          }
        });
    return result;
  }

  private void completeRemotely(
      Permit gatePermit,
      CompletableFuture<Permit> result,
      AtomicBoolean settledHere,
      long began) {
    Lease lease;
    try {
      lease = remote(gatePermit, true, false, 0, began);
    } catch (InterruptedException withdrawn) {
      result.cancel(false); // already completed by the caller, who withdrew it; nothing is held
      return;
    } catch (RuntimeException failed) {
      settledHere.set(true);
      result.completeExceptionally(failed);
      return;
    }
    settledHere.set(true);
    if (!result.complete(lease)) {
      lease.close(); // withdrawn as it was granted
    }
  }

  /**
   * {@inheritDoc}
   *
   * <p>Sets the limit in Redis, for every client; queued requests that now fit are granted.
   */
  @Override
  public void setLimit(int limit) {
    if (limit < 1) {
      throw new IllegalArgumentException("limit must be at least 1, was " + limit);
    }
    List<Object> reply = call(RedisScripts.LIMIT, Integer.toString(limit), "change");
    gateLimit.reportAndSettle(limit, toInt(reply.get(2)));
  }

  @Override
  public SemaphoreStats stats() {
    SemaphoreStats local = gate.stats();
    List<Object> state = readState();
    int limit = toInt(state.get(0));
    int used = toInt(state.get(1));
    int queued = HolderRecord.queued(state);
    int available = Math.max(0, Math.min(gate.available(), limit - used));
    return local.withGauges(
        limit,
        available,
        Math.max(used, local.held()), // held in Redis, or taken here by a request on its way
        local.waiting() + queued);
  }

  /**
   * {@inheritDoc}
   *
   * <p>The holders of every client, oldest grant first, with the process each client recorded
   * (pid, host, command: what {@code permits run} runs, or the JVM's command line, or {@link
   * Builder#command(String)}); {@code thread()} is the lease id.
   */
  @Override
  public List<PermitHolder> holders() {
    return HolderRecord.holders(readState());
  }

  /**
   * Who holds and who waits for the semaphore {@code name}, read without opening it.
   *
   * @param client a Lettuce client
   * @param name the semaphore's name
   * @return its state now
   * @throws IllegalStateException if Redis has no semaphore of that name
   * @throws RedisSemaphoreException if Redis cannot be reached
   */
  public static RedisSemaphoreStatus status(RedisClient client, String name) {
    Objects.requireNonNull(client, "client");
    checkName(name);
    RedisKeys keys = new RedisKeys(name);
    try (var connection = client.connect(io.lettuce.core.codec.ByteArrayCodec.INSTANCE)) {
      List<Object> state =
          RedisScripts.STATE.run(connection.async(), keys).get(30, TimeUnit.SECONDS);
      int limit = toInt(state.get(0));
      if (limit < 0) {
        throw new IllegalStateException("no semaphore '" + name + "' in Redis");
      }
      return new RedisSemaphoreStatus(
          name, limit, HolderRecord.holders(state), HolderRecord.waiters(state));
    } catch (ExecutionException
        | java.util.concurrent.TimeoutException
        | io.lettuce.core.RedisException failed) { // the last: connecting failed
      throw new RedisSemaphoreException(
          "semaphore '" + name + "': status failed: " + failed.getMessage(), failed);
    } catch (InterruptedException interrupted) {
      Thread.currentThread().interrupt();
      throw new RedisSemaphoreException(
          "semaphore '" + name + "': status interrupted", interrupted);
    }
  }

  /**
   * The names of the semaphores in Redis (by their limit keys), sorted.
   *
   * @param client a Lettuce client
   * @return the names
   * @throws RedisSemaphoreException if Redis cannot be reached
   */
  public static List<String> names(RedisClient client) {
    Objects.requireNonNull(client, "client");
    try (var connection = client.connect()) {
      List<String> names = new java.util.ArrayList<>();
      io.lettuce.core.ScanIterator<String> keys =
          io.lettuce.core.ScanIterator.scan(
              connection.sync(), io.lettuce.core.ScanArgs.Builder.matches("{permits:*}:limit"));
      while (keys.hasNext()) {
        String key = keys.next();
        names.add(key.substring("{permits:".length(), key.length() - "}:limit".length()));
      }
      names.sort(null);
      return names;
    } catch (io.lettuce.core.RedisException failed) {
      throw new RedisSemaphoreException(
          "listing the semaphores failed: " + failed.getMessage(), failed);
    }
  }

  @Override
  public boolean isClosed() {
    return closed.get();
  }

  /**
   * {@inheritDoc}
   *
   * <p>Queued requests fail; leases still held can be closed until the connections close, which
   * happens when the last of them is closed (leases not closed expire within one lease).
   */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    gate.close();
    waiters.values().forEach(TicketWaiter::wake);
    batches.stopLingering(); // a lingering batch: its grants' give-backs wait for its script
    handoffs.giveBackAll();
    sendReleases(deferred.drain());
    renewer.stopWhenEmpty();
    link.retire();
  }

  @Override
  public String toString() {
    return "RedisSemaphore[" + name + ", gate " + gate + "]";
  }

  // ---- the remote part of a request

  /**
   * The remote part of a request that holds its gate permits; {@code began} is when the caller
   * asked (a pending grant sent earlier may not be claimed: its token would be lower than those
   * of grants the caller may have seen before asking).
   */
  private Lease remote(
      Permit gatePermit, boolean wait, boolean timed, long deadline, long began)
      throws InterruptedException {
    Handoffs.Pending handoff = handoffs.claim(gatePermit.permits(), began);
    // else a lease of its size closed and waiting for a script to release it: the request asks
    // under its id, its release first in the same script, which hands the lease over in place
    DeferredReleases.Entry reused = null;
    if (handoff == null) {
      handoffs.giveBackReady(); // released before this request's script, which may need them
      reused = deferred.takeOfSize(gatePermit.permits());
    }
    String id =
        handoff != null ? handoff.id() : reused != null ? reused.id() : newRequestId();
    @org.jspecify.annotations.Nullable String releaseFirst = reused != null ? reused.id() : null;
    TicketWaiter waiter;
    if (handoff != null) {
      waiter = handoff.waiter(); // listened for since its script was sent
      waiter.bind(Thread.currentThread());
    } else {
      waiter = new TicketWaiter(Thread.currentThread(), reused != null ? reused.token() : 0);
    }
    boolean queued = false;
    // when the last script that found the ticket queued was sent: a grant of the ticket came
    // after it; at first, a moment before any script that could queue it (a hand-over's was sent
    // when the closing lease sent it)
    long queuedSent = handoff != null ? handoff.sentNanos() : System.nanoTime();
    RedisLease lease = null;
    if (wait) {
      waiters.put(id, waiter);
    }
    try {
      while (true) {
        if (waiter.token() > 0) { // a release handed the ticket its permits
          if (handoff != null) {
            // its ticket was granted before its reply was awaited: the grant is this request's,
            // not one to give back (the finally below would release it)
            handoff = null;
            queued = true;
            link.release(); // the use the closed lease passed to it
          }
          if (closed.get()) {
            throw closedWhileWaiting(); // the finally releases the handed lease
          }
          lease = handedByRelease(id, gatePermit, waiter.token(), queuedSent);
          return lease;
        }
        long sent;
        List<Object> reply;
        boolean handedOff = handoff != null;
        if (handedOff) { // sent by a closing lease: already on its way
          sent = handoff.sentNanos();
          queued = true; // it was sent willing to queue: if it did, the ticket is withdrawn
          try {
            reply = awaitReply(RedisScripts.ACQUIRE, handoff.reply());
          } catch (RedisSemaphoreException failed) {
            // the request ends without the id, whatever the script did with it (held, queued or
            // untouched, had it not reached Redis): released, and sent again if that fails
            releaseId(id, () -> {});
            throw failed;
          } finally {
            handoff = null;
            link.release(); // the use the closed lease passed to it
          }
        } else {
          sent = System.nanoTime();
          String first = releaseFirst;
          releaseFirst = null; // the script's to send, or to release if it cannot
          // a ticket queued before may have been handed its permits since: ask for that grant
          reply =
              callCarrying(
                  RedisScripts.ACQUIRE,
                  first,
                  requestArgs(id, gatePermit.permits(), wait, queued));
        }
        long code = (Long) reply.get(0);
        if (code == 1) {
          lease = granted(id, gatePermit, reply, sent);
          return lease;
        }
        if (code == -1) {
          int limit = toInt(reply.get(1));
          gateLimit.report(limit, toInt(reply.get(2)));
          throw new IllegalArgumentException(
              "a request for " + gatePermit.permits() + " permits can never be granted: the limit"
                  + " of semaphore '" + name + "' is now " + limit);
        }
        if (code == -3) {
          throw new IllegalStateException(
              "semaphore '" + name + "' has no limit in Redis (were its keys deleted?)");
        }
        if (!wait) {
          return null;
        }
        queued = true;
        queuedSent = sent;
        if (waiter.token() > 0) {
          continue; // handed its permits while the reply was on its way
        }
        if (closed.get()) {
          throw closedWhileWaiting();
        }
        if (Thread.interrupted()) {
          throw new InterruptedException();
        }
        long park = TimeUnit.MILLISECONDS.toNanos(TICKET_REFRESH_MILLIS);
        long nextExpiry = (Long) reply.get(1);
        if (nextExpiry >= 0) {
          park = Math.min(park, TimeUnit.MILLISECONDS.toNanos(nextExpiry + 1));
        }
        if (timed) {
          long left = deadline - System.nanoTime();
          if (left <= 0) {
            return null;
          }
          park = Math.min(park, left);
        }
        LockSupport.parkNanos(this, park);
      }
    } finally {
      if (releaseFirst != null) { // taken, but no script was sent: released by itself
        sendReleases(List.of(releaseFirst));
      }
      waiters.remove(id, waiter);
      if (lease == null) {
        if (queued) {
          try {
            call(RedisScripts.CANCEL, id);
          } catch (RuntimeException unreachable) {
            // the ticket expires by itself
          }
        }
        gatePermit.close();
      }
      if (handoff != null) { // failed before its reply was awaited
        handoffs.giveBackClaimed(handoff);
      }
    }
  }

  private SemaphoreClosedException closedWhileWaiting() {
    return new SemaphoreClosedException("acquire on semaphore '" + name + "', which is closed");
  }

  /**
   * The state script's reply. Grants handed off to requests that no longer wait are given back
   * first (pipelined before it), so that counts read after every lease closed show them free.
   */
  private List<Object> readState() {
    batches.awaitSettled();
    if (gate.waiting() == 0) {
      handoffs.giveBackAll();
    }
    return call(RedisScripts.STATE);
  }

  /**
   * Before a request larger than the gate's limit fails as impossible, reads the limit from
   * Redis: another client may have raised it since this one last looked.
   */
  private void refreshLimitBefore(int permits) {
    if (permits > gate.limit() && !closed.get()) {
      limit();
    }
  }

  /**
   * A lease from the acquire script's grant: it runs, by this JVM's clock, from when the script
   * was sent for as long as the reply says (the full lease, or what is left of one a release
   * handed the request's ticket).
   */
  private RedisLease granted(String id, Permit gatePermit, List<Object> reply, long sentNanos) {
    return held(
        id,
        gatePermit,
        (Long) reply.get(1),
        sentNanos + TimeUnit.MILLISECONDS.toNanos((Long) reply.get(2)),
        reply.size() > 3 && (Long) reply.get(3) != 0);
  }

  /**
   * A lease a release handed the request's queued ticket, its token delivered on the wake channel.
   * In Redis it expires when the ticket would have (at least {@link #TICKET_TTL_MILLIS} after the
   * last script that found the ticket queued ran, which was after {@code queuedSent}); so by this
   * JVM's clock it runs from {@code queuedSent} for that long, even when the lease is shorter (a
   * lease of 50 ms would otherwise arrive already lost after a wait of a second). Its renewal,
   * due at once, gives it the lease's length.
   */
  private RedisLease handedByRelease(String id, Permit gatePermit, long token, long queuedSent) {
    long deadline = queuedSent + TimeUnit.MILLISECONDS.toNanos(TICKET_TTL_MILLIS);
    return held(id, gatePermit, token, deadline, true);
  }

  private RedisLease held(
      String id, Permit gatePermit, long token, long deadlineNanos, boolean othersQueued) {
    RedisLease lease =
        new RedisLease(
            this, id, gatePermit.permits(), token, gatePermit, deadlineNanos, othersQueued);
    link.retain(); // the lease's use: released when it is closed
    renewer.add(lease);
    return lease;
  }

  /** The renew script for one lease: true if Redis extended it, false if it no longer has it. */
  private CompletableFuture<Boolean> sendRenewal(String id) {
    RedisAsyncCommands<byte[], byte[]> redis = link.retain();
    return RedisScripts.RENEW
        .run(redis, keys, id, Long.toString(leaseMillis))
        .whenComplete((reply, failure) -> link.release())
        .thenApply(reply -> toInt(reply.get(0)) > 0);
  }

  /**
   * Called by {@link RedisLease#close()}: sends the release script and returns without waiting
   * for its reply. The release is pipelined on the same connection as this semaphore's later
   * scripts, so Redis runs it before any request or count sent after {@code close()} returns;
   * the holder does not pay a round trip. If it fails (Redis unreachable), the lease expires in
   * Redis within its length; the failure is logged.
   */
  boolean releaseRemote(RedisLease lease, Permit gatePermit) {
    renewer.remove(lease);
    long heldNanos = lease.heldNanos();
    if (!closed.get() && handoffs.reserve(gate.waiting())) {
      if (handOff(lease, gatePermit, heldNanos)) {
        return true;
      }
      handoffs.unreserve();
    }
    batches.leaseClosed(heldNanos); // a batch may linger for it
    if (!closed.get() && !lease.othersQueuedAtGrant()) {
      // carries the lease's use until a script has released it
      deferred.add(lease.id(), lease.permits(), lease.token());
      return false;
    }
    releaseId(lease.id(), link::release); // then the lease's use
    return false;
  }

  /**
   * Sends by itself the release of deferred lease ids (the flush, or the semaphore closing), then
   * ends the use of the connections each carried.
   */
  private void sendReleases(List<String> ids) {
    if (ids.isEmpty()) {
      return;
    }
    RedisAsyncCommands<byte[], byte[]> redis;
    try {
      redis = link.retain();
    } catch (RuntimeException unreachable) {
      endUses(ids, unreachable);
      return;
    }
    RedisScripts.ACQUIRE
        .run(redis, keys, acquireArgs("", 0, false, ids.toArray(String[]::new)))
        .whenComplete(
            (reply, failure) -> {
              link.release(); // the script's use
              endUses(ids, failure);
            });
  }

  /** Scripts that carried deferred releases are done: the closed leases' uses end. */
  private void endUses(List<String> carried, @org.jspecify.annotations.Nullable Throwable failure) {
    for (int i = 0; i < carried.size(); i++) {
      link.release();
    }
    if (failure != null && !carried.isEmpty()) {
      releaseFailed(carried, failure, 0);
    }
  }

  /**
   * A release did not reach Redis. One lost to the connection (reset, killed, not yet
   * reconnected) is sent again, up to {@link #RELEASE_ATTEMPTS} times 100 ms apart: otherwise its
   * permits would stay taken for the rest of the lease (a test that kills the connections met
   * that). An error from the server itself, or the last attempt's failure, is logged; the lease
   * then expires in Redis within its length.
   */
  private void releaseFailed(List<String> ids, Throwable failure, int attempt) {
    Throwable cause =
        failure instanceof java.util.concurrent.CompletionException && failure.getCause() != null
            ? failure.getCause()
            : failure;
    if (!(cause instanceof io.lettuce.core.RedisCommandExecutionException)
        && attempt + 1 < RELEASE_ATTEMPTS) {
      // on a virtual thread: reopening the connections may wait for a connect timeout, which
      // must not hold up the JVM's one watchdog thread (it renews every semaphore's leases)
      WATCHDOG.schedule(
          () -> Thread.startVirtualThread(() -> resendReleases(ids, attempt + 1)),
          100,
          TimeUnit.MILLISECONDS);
      return;
    }
    LOG.log(
        System.Logger.Level.WARNING,
        "semaphore ''{0}'': releasing {1} lease(s) failed ({2}); they expire in Redis within"
            + " {3} ms",
        name,
        ids.size(),
        String.valueOf(cause.getMessage() != null ? cause.getMessage() : cause),
        leaseMillis);
  }

  private void resendReleases(List<String> ids, int attempt) {
    RedisAsyncCommands<byte[], byte[]> redis;
    try {
      redis = link.retain();
    } catch (RuntimeException unreachable) {
      releaseFailed(ids, unreachable, attempt);
      return;
    }
    RedisScripts.ACQUIRE
        .run(redis, keys, acquireArgs("", 0, false, ids.toArray(String[]::new)))
        .whenComplete(
            (reply, failure) -> {
              link.release();
              if (failure != null) {
                releaseFailed(ids, failure, attempt);
              }
            });
  }

  /**
   * A request of this JVM waits at the gate for permits: one script releases the lease and asks
   * for its permits again under the same id, for that request to claim (see {@link Handoffs}). The
   * lease's use of the connections passes to the pending grant. Returns false if the script could
   * not be sent.
   */
  private boolean handOff(RedisLease lease, Permit gatePermit, long heldNanos) {
    // the same id: while nobody is queued, the script hands the lease over in place
    Handoffs.Pending grant =
        new Handoffs.Pending(
            lease.id(), lease.permits(), lease.token(), System.nanoTime(), new CompletableFuture<>());
    handoffs.add(grant);
    waiters.put(grant.id(), grant.waiter()); // before its script: a grant of its ticket is heard
    grant
        .reply()
        .whenComplete(
            (ignored, failure) -> {
              handoffs.startPatience(grant);
              // the waiting request wakes once, with the reply already here. A failed reply: the
              // id is released by whoever ends without it — the give-back, or the request that
              // could not use the reply — never from here: a request that kept the lease a
              // message told it of holds the same id (a release sent from here once freed it)
              gatePermit.close();
            });
    batches.submit(grant, lease.id(), heldNanos);
    return true;
  }

  /** One acquire script for a batch of hand-overs (see {@link GrantBatches}). */
  private CompletableFuture<List<Object>> sendGrants(
      List<String> idsAndPermits, List<String> releaseIds) {
    RedisAsyncCommands<byte[], byte[]> redis = link.retain(); // the script's use
    List<String> carried = deferred.drain();
    List<String> releases = new java.util.ArrayList<>(releaseIds);
    releases.addAll(carried);
    String[] args = scriptArgs(true, idsAndPermits, releases);
    CompletableFuture<List<Object>> reply;
    try {
      reply = RedisScripts.ACQUIRE.run(redis, keys, args);
    } catch (RuntimeException failed) {
      link.release();
      sendReleases(carried);
      throw failed;
    }
    reply.whenComplete(
        (ignored, failure) -> {
          link.release();
          endUses(carried, failure);
        });
    return reply;
  }

  /**
   * Releases a lease id without waiting for the reply: the script is pipelined on the connection
   * this semaphore's later scripts use, so Redis runs it before them (see acquire.lua for the
   * case of a Redis that lost its scripts); a failure is logged.
   */
  private void releaseId(String id, Runnable then) {
    RedisAsyncCommands<byte[], byte[]> redis;
    try {
      redis = link.retain();
    } catch (RuntimeException unreachable) {
      releaseFailed(List.of(id), unreachable, 0);
      then.run();
      return;
    }
    List<String> carried = deferred.drain();
    RedisScripts.ACQUIRE
        .run(redis, keys, acquireArgs("", 0, false, withIds(carried, id)))
        .whenComplete(
            (reply, failure) -> {
              link.release(); // the script's use
              endUses(carried, failure);
              then.run();
              if (failure != null) {
                releaseFailed(List.of(id), failure, 0);
              }
            });
  }

  private String newRequestId() {
    return clientId + ":" + requests.incrementAndGet();
  }

  /**
   * The acquire script's arguments for one request; {@code again}: its ticket queued before, and
   * a release may have handed it its permits since (the script then replies with that grant).
   */
  private String[] requestArgs(String id, int permits, boolean wait, boolean again) {
    String permitsText = again ? "r" + permits : Integer.toString(permits);
    return scriptArgs(wait, List.of(id, permitsText), List.of());
  }

  /**
   * The acquire script's arguments for one request ({@code id} empty: none, a release only),
   * then the ids to release first.
   */
  private String[] acquireArgs(String id, int permits, boolean wait, String... releaseFirst) {
    return scriptArgs(
        wait,
        id.isEmpty() ? List.of() : List.of(id, Integer.toString(permits)),
        List.of(releaseFirst));
  }

  /**
   * The acquire script's arguments (see acquire.lua): lease, ticket deadline, client, who, the
   * number of requests, the requests as (id, permits) pairs, then the ids to release first.
   */
  private String[] scriptArgs(boolean wait, List<String> idsAndPermits, List<String> releases) {
    String[] args = new String[5 + idsAndPermits.size() + releases.size()];
    args[0] = Long.toString(leaseMillis);
    args[1] = wait ? Long.toString(TICKET_TTL_MILLIS) : "0";
    args[2] = clientId;
    args[3] = who;
    args[4] = Integer.toString(idsAndPermits.size() / 2);
    int at = 5;
    for (String value : idsAndPermits) {
      args[at++] = value;
    }
    for (String id : releases) {
      args[at++] = id;
    }
    return args;
  }



  /** The limit script's reply on opening: {limit, 1, version}; fails on a mismatch. */
  private List<Object> openLimit(int limit, boolean change) {
    List<Object> reply =
        call(RedisScripts.LIMIT, Integer.toString(limit), change ? "change" : "open");
    int recorded = toInt(reply.get(0));
    if (toInt(reply.get(1)) != 1) {
      throw new IllegalStateException(
          "semaphore '" + name + "' has limit " + recorded + " in Redis, not " + limit
              + ": open it with limit " + recorded + ", or ask to change the limit"
              + " (changeLimit(true))");
    }
    return reply;
  }

  /** Runs a script and waits for its reply, not interruptibly (a reply is never dropped). */
  private List<Object> call(RedisScripts script, String... args) {
    return callCarrying(script, null, args);
  }

  /**
   * Runs a script and waits for its reply; an acquire script carries the deferred releases,
   * {@code releaseFirst} (a deferred release taken by its request) first of them.
   */
  private List<Object> callCarrying(
      RedisScripts script, @org.jspecify.annotations.Nullable String releaseFirst, String[] args) {
    RedisAsyncCommands<byte[], byte[]> redis;
    try {
      redis = link.retain();
    } catch (RuntimeException unreachable) {
      if (releaseFirst != null) {
        sendReleases(List.of(releaseFirst)); // ends its use; tried again later
      }
      throw unreachable;
    }
    List<String> carried = deferred.drain();
    if (releaseFirst != null) {
      List<String> all = new java.util.ArrayList<>(carried.size() + 1);
      all.add(releaseFirst);
      all.addAll(carried);
      carried = all;
    }
    try {
      CompletableFuture<List<Object>> reply;
      if (script == RedisScripts.ACQUIRE) {
        reply = script.run(redis, keys, withIds(carried, args));
      } else {
        sendReleases(carried); // pipelined before this script
        carried = List.of();
        if (script == RedisScripts.STATE) {
          // a count follows every release taken before it, by this drain or by a timer's
          deferred.awaitFlushes();
          handoffs.awaitGiveBacks();
        }
        reply = script.run(redis, keys, args);
      }
      List<String> ended = carried;
      reply.whenComplete((ignored, failure) -> endUses(ended, failure));
      return awaitReply(script, reply);
    } finally {
      link.release();
    }
  }

  /** {@code first} followed by {@code ids}. */
  private static String[] withIds(List<String> ids, String... first) {
    if (ids.isEmpty()) {
      return first;
    }
    String[] all = java.util.Arrays.copyOf(first, first.length + ids.size());
    for (int i = 0; i < ids.size(); i++) {
      all[first.length + i] = ids.get(i);
    }
    return all;
  }

  /** Waits for a script's reply, not interruptibly (a reply is never dropped). */
  private List<Object> awaitReply(RedisScripts script, CompletableFuture<List<Object>> reply) {
    try {
      return Uninterruptibly.get(reply);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      throw new RedisSemaphoreException(
          "semaphore '" + name + "': " + script.name().toLowerCase() + " failed: "
              + cause.getMessage(),
          cause);
    }
  }

  private static String checkName(String name) {
    Objects.requireNonNull(name, "name");
    if (!NAME.matcher(name).matches()) {
      throw new IllegalArgumentException(
          "bad semaphore name '" + name + "': use 1 to 200 letters, digits, '.', '_', ':' or '-'");
    }
    return name;
  }

  private static int toInt(Object value) {
    return ((Long) value).intValue();
  }

  private static long saturatedNanos(Duration timeout) {
    try {
      return Math.max(0, timeout.toNanos());
    } catch (ArithmeticException tooLong) {
      return Long.MAX_VALUE / 2;
    }
  }

  /** Builds a {@link RedisSemaphore}; {@link #name} and {@link #limit} are required. */
  public static final class Builder {
    private final RedisClient client;
    private String name;
    private int limit;
    private boolean changeLimit;
    private Duration lease = Duration.ofSeconds(30);
    private Fairness fairness = Fairness.BOUNDED;
    private @org.jspecify.annotations.Nullable String command;

    private Builder(RedisClient client) {
      this.client = client;
    }

    /**
     * The semaphore's name: 1 to 200 letters, digits, '.', '_', ':' or '-'.
     *
     * @param name the name
     * @return this builder
     */
    public Builder name(String name) {
      this.name = checkName(name);
      return this;
    }

    /**
     * What {@link RedisSemaphore#holders()} and {@code permits status} show as this client's
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
     * The number of permits; must match the limit recorded in Redis unless {@link
     * #changeLimit(boolean) changeLimit(true)}.
     *
     * @param limit at least 1
     * @return this builder
     */
    public Builder limit(int limit) {
      if (limit < 1) {
        throw new IllegalArgumentException("limit must be at least 1, was " + limit);
      }
      this.limit = limit;
      return this;
    }

    /**
     * Whether a limit other than the recorded one replaces it (else opening fails).
     *
     * @param change whether to change it
     * @return this builder
     */
    public Builder changeLimit(boolean change) {
      this.changeLimit = change;
      return this;
    }

    /**
     * How long a lease lasts without renewal; default 30 s. The watchdog renews at a third.
     *
     * @param lease at least 10 ms
     * @return this builder
     */
    public Builder lease(Duration lease) {
      Objects.requireNonNull(lease, "lease");
      if (lease.toMillis() < 10) {
        throw new IllegalArgumentException("lease must be at least 10 ms, was " + lease);
      }
      this.lease = lease;
      return this;
    }

    /**
     * How this JVM's own requests queue before they reach Redis; default {@link
     * Fairness#BOUNDED}. Across clients the order is FIFO whatever this says.
     *
     * @param fairness the in-process fairness
     * @return this builder
     */
    public Builder fairness(Fairness fairness) {
      this.fairness = Objects.requireNonNull(fairness, "fairness");
      return this;
    }

    /**
     * Connects and opens the semaphore, recording its limit if Redis has none.
     *
     * @return the semaphore
     * @throws RedisSemaphoreException if Redis cannot be reached
     * @throws IllegalStateException if Redis records another limit
     */
    public RedisSemaphore build() {
      if (name == null || limit == 0) {
        throw new IllegalStateException("name(…) and limit(…) are required");
      }
      return new RedisSemaphore(this);
    }
  }
}
