package io.permits.redis;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.permits.Fairness;
import io.permits.Lease;
import io.permits.Permit;
import io.permits.PermitHolder;
import io.permits.SemaphoreClosedException;
import io.permits.SemaphoreStats;
import io.permits.backend.Gate;
import io.permits.backend.GatedAcquires;
import io.permits.backend.RemoteLease;
import io.permits.backend.Renewer;
import io.permits.backend.TicketWait;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * A semaphore shared by every client of one Redis primary that names it: at most {@link
 * #limit()} permits are held at once, across all of them. Permits are {@link Lease leases}: they
 * expire unless renewed, so a crashed holder's permits come back within one lease; each grant
 * carries a fencing token, and tokens strictly increase.
 *
 * <pre>{@code
 * try (RedisSemaphore api = RedisSemaphore.builder("redis://localhost:6379")
 *         .name("api").limit(10).lease(Duration.ofSeconds(30)).build();
 *     Lease lease = api.acquire()) {
 *   callTheApi(lease.token());
 * }
 * }</pre>
 *
 * <p>Requests of other clients are served in arrival order; a queued request is woken by a
 * message when a release hands it its permits. A holder that can no longer be sure of its lease
 * (renewal failed, its time ran out) sees {@link Lease#lost()} complete; pass {@link
 * Lease#token()} to the resource so that it can refuse a stale holder. What one primary
 * guarantees, under which assumptions (server clock, {@code noeviction}, persistence), and what a
 * failover breaks: see docs/distributed.md.
 */
public final class RedisSemaphore implements io.permits.Semaphore {

  /*
   * Implementation notes.
   *
   * A request first takes permits of an in-process gate (a LocalSemaphore with the same limit,
   * so threads of this JVM queue, time out and are interrupted in memory), then runs its remote
   * part (RemoteRequest): the acquire script grants it when it fits and nobody is queued ahead,
   * else queues its ticket. Scripts that free permits hand them to the queue's heads that fit, in
   * the same script, and publish "ticket token" on the waiting client's channel. Every script is
   * safe to run twice (Lettuce resends what was in flight when a connection dropped): ids are
   * fresh per request and never reused, an acquire for an id that holds a lease returns that
   * lease, a release names its lease's id and token, a cancelled id is refused for ten minutes. A
   * request that gives up, or whose outcome is unknown, cancels its id before its caller is
   * answered. Releases and cancels ride with the next script (ScriptCalls). The watchdog renews
   * each lease at a third of its length (Renewer). With expireWhenIdle, each script that records
   * a lease, a renewal or a ticket moves the keys' expiry past it (common.lua's keep_alive).
   */

  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.:-]{1,200}");

  /** Renews every semaphore's leases and retries lost releases: one daemon thread for the JVM. */
  private static final ScheduledThreadPoolExecutor WATCHDOG =
      Renewer.watchdog("permits-redis-watchdog");

  private final String name;
  private final long leaseMillis;
  private final String clientId = UUID.randomUUID().toString();
  private final String who;
  private final AtomicLong requests = new AtomicLong();
  private final Map<String, RemoteRequest> waiters = new ConcurrentHashMap<>();
  private final AtomicBoolean closed = new AtomicBoolean();
  private final RedisLink link;
  private final ScriptCalls calls;
  private final Gate gate; // follows the newest limit read from Redis
  private final Renewer<RemoteLease> renewer;
  private final GatedAcquires acquires;

  private RedisSemaphore(Builder builder, String name) {
    this.name = name;
    this.leaseMillis = builder.lease.toMillis();
    this.who = HolderRecord.describeThisProcess(builder.command);
    RedisKeys keys = new RedisKeys(name, builder.idleMillis);
    this.link =
        new RedisLink(builder.client, keys.wakeChannel(clientId), this::onWakeMessage,
            RedisLink.OPEN_PATIENCE);
    this.calls = new ScriptCalls(name, keys, link, WATCHDOG);
    List<Object> recorded;
    try {
      if (builder.idleMillis > 0) {
        ServerSettings.requireExpireTime(name, link, keys.bytes()[0]);
      }
      recorded = openLimit(builder.limit, builder.changeLimit);
      ServerSettings.warnIfUnsafe(name, link);
    } catch (RuntimeException failed) {
      link.retire();
      throw failed;
    }
    this.gate =
        new Gate(name, toInt(recorded.get(0)), (Long) recorded.get(2), builder.fairness,
            Integer.MAX_VALUE, this::limit);
    this.renewer = new Renewer<>(leaseMillis, WATCHDOG, this::sendRenewal);
    this.acquires = new GatedAcquires(gate, "permits-redis-async " + name, new RequestsOfThis());
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
    // keys lost with a restart are made again from this client's limit, as an acquire does
    String own = Integer.toString(gate.local().limit());
    List<Object> reply = calls.call(RedisScripts.LIMIT, own, "read");
    int recorded = toInt(reply.get(0));
    gate.report(recorded, (Long) reply.get(2));
    return recorded;
  }

  @Override
  public int available() {
    return stats().available();
  }

  @Override
  public int waiting() {
    return stats().waiting();
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
    return acquires.acquire(permits);
  }

  @Override
  public Optional<Permit> tryAcquire(int permits) {
    return acquires.tryAcquire(permits);
  }

  @Override
  public Optional<Permit> tryAcquire(int permits, Duration timeout) throws InterruptedException {
    return acquires.tryAcquire(permits, timeout);
  }

  /**
   * {@inheritDoc}
   *
   * <p>The request first waits, without a thread, for its permits at this client's in-process
   * gate; once it has them, it waits for Redis on a virtual thread of its own, so at most
   * {@code limit} such threads exist per semaphore, however many requests are pending. Cancelling
   * the future withdraws the request: at the gate by removing it, in Redis by interrupting
   * its thread, which cancels its ticket too.
   */
  @Override
  public CompletableFuture<Permit> acquireAsync(int permits) {
    return acquires.acquireAsync(permits);
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
    List<Object> reply = calls.call(RedisScripts.LIMIT, Integer.toString(limit), "change");
    gate.reportAndSettle(limit, (Long) reply.get(2));
  }

  @Override
  public SemaphoreStats stats() {
    SemaphoreStats local = gate.local().stats();
    List<Object> state = calls.call(RedisScripts.STATE);
    int limit = toInt(state.get(0));
    int used = toInt(state.get(1));
    int available = Math.max(0, Math.min(gate.local().available(), limit - used));
    return local.withGauges(
        limit,
        available,
        Math.max(used, local.held()), // held in Redis, or taken here by a request on its way
        local.waiting() + HolderRecord.queued(state));
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
    return HolderRecord.holders(calls.call(RedisScripts.STATE));
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
    return StatusQueries.status(client, checkName(name), new RedisKeys(name));
  }

  /**
   * The names of the semaphores in Redis (by their limit keys), sorted.
   *
   * @param client a Lettuce client
   * @return the names
   * @throws RedisSemaphoreException if Redis cannot be reached
   */
  public static List<String> names(RedisClient client) {
    return StatusQueries.names(Objects.requireNonNull(client, "client"));
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
    gate.local().close();
    calls.flush();
    waiters.values().forEach(RemoteRequest::wake);
    link.retire();
  }

  @Override
  public String toString() {
    return "RedisSemaphore[" + name + ", gate " + gate.local() + "]";
  }

  /** A request of this semaphore to Redis, for permits taken at the gate. */
  private final class RequestsOfThis implements GatedAcquires.Store {
    @Override
    public @Nullable RemoteLease request(Permit gatePermit, boolean timed, long deadlineNanos)
        throws InterruptedException {
      return new RemoteRequest(RedisSemaphore.this, gatePermit, true, timed, deadlineNanos).run();
    }

    @Override
    public @Nullable RemoteLease requestNow(Permit gatePermit) {
      return new RemoteRequest(RedisSemaphore.this, gatePermit, false, false, 0)
          .runWithoutWaiting();
    }
  }

  // ---- for RemoteRequest and RemoteLease

  long leaseMillis() {
    return leaseMillis;
  }

  ScriptCalls calls() {
    return calls;
  }

  String newRequestId() {
    return clientId + ":" + requests.incrementAndGet();
  }

  void checkOpen() {
    if (closed.get()) {
      throw new SemaphoreClosedException("acquire on semaphore '" + name + "', which is closed");
    }
  }

  /** From now on, a wake message for ticket {@code id} reaches {@code request}. */
  void listen(String id, RemoteRequest request) {
    waiters.put(id, request);
  }

  void stopListening(String id, RemoteRequest request) {
    waiters.remove(id, request);
  }

  private void onWakeMessage(String channel, String message) {
    RemoteRequest waiter = waiters.get(TicketWait.ticketOf(message));
    long token = TicketWait.tokenOf(message);
    if (waiter != null && token > 0) {
      waiter.handed(token);
    }
  }

  /** Runs the acquire script for a request (queuing its ticket if it may wait). */
  AcquireReply askRedis(String id, int permits, boolean wait) {
    return AcquireReply.parse(
        calls.call(
            RedisScripts.ACQUIRE,
            id,
            Integer.toString(permits),
            Long.toString(leaseMillis),
            wait ? Long.toString(RemoteRequest.TICKET_MILLIS) : "0",
            clientId,
            who,
            Integer.toString(gate.local().limit()))); // to make the keys again if they are gone
  }

  IllegalArgumentException tooLarge(int permits, int limit, long version) {
    gate.report(limit, version);
    return gate.impossible(permits, limit);
  }

  RemoteLease newLease(String id, Permit gatePermit, long token, long deadlineNanos) {
    RemoteLease lease = new RemoteLease(name, id, token, gatePermit, deadlineNanos, this::released);
    link.retain(); // the lease's use of the connections: ends once its release is settled
    renewer.add(lease);
    return lease;
  }

  /** A lease was closed: its release is sent, not waited for. */
  void released(RemoteLease lease) {
    renewer.remove(lease);
    calls.release(lease.id(), lease.token(), link::release);
  }

  private CompletableFuture<Boolean> sendRenewal(RemoteLease lease) {
    String token = Long.toString(lease.token());
    return calls
        .send(RedisScripts.RENEW, lease.id(), token, Long.toString(leaseMillis))
        .thenApply(reply -> (Long) reply.get(0) > 0);
  }

  /** The limit script's reply on opening: {limit, 1, version}; fails on a mismatch. */
  private List<Object> openLimit(int limit, boolean change) {
    List<Object> reply =
        calls.call(RedisScripts.LIMIT, Integer.toString(limit), change ? "change" : "open");
    int recorded = toInt(reply.get(0));
    if (toInt(reply.get(1)) != 1) {
      throw new IllegalStateException(
          "semaphore '" + name + "' has limit " + recorded + " in Redis, not " + limit
              + ": open it with limit " + recorded + ", or ask to change the limit"
              + " (changeLimit(true))");
    }
    return reply;
  }

  static String checkName(String name) {
    Objects.requireNonNull(name, "name");
    if (!NAME.matcher(name).matches()) {
      throw new IllegalArgumentException(
          "bad semaphore name '" + name + "': use 1 to 200 letters, digits, '.', '_', ':' or '-'");
    }
    return name;
  }

  static int toInt(Object value) {
    return ((Long) value).intValue();
  }

  /** Builds a {@link RedisSemaphore}; {@link #name} and {@link #limit} are required. */
  public static final class Builder {
    /** Far enough to mean "not soon", near enough that server time plus it is exact in Lua. */
    private static final Duration MAX_IDLE = Duration.ofDays(36_500);

    private final RedisClient client;
    private @org.jspecify.annotations.Nullable String name; // required: build() checks it
    private int limit;
    private boolean changeLimit;
    private Duration lease = Duration.ofSeconds(30);
    private Fairness fairness = Fairness.BOUNDED;
    private @org.jspecify.annotations.Nullable String command;
    private long idleMillis; // 0: the keys never expire

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
     * Lets the semaphore's keys in Redis expire once it is idle: for semaphores made per key (per
     * tenant, say), which should not stay in Redis for ever once unused. The keys expire {@code
     * idle} after the furthest lease expiry or queued request's deadline recorded in them, so never
     * while a lease may still be held or a request may be queued; after the last lease is closed,
     * they go within {@code idle} plus the longer of a lease and a second (a queued request's
     * deadline). Default: the keys never expire.
     *
     * <p>The next use makes them again, as after a Redis restart without persistence: the limit
     * from the using client (the newest it knows), the fence and the limit's version from the
     * server's clock, so tokens keep increasing. A request given up is still refused for ten
     * minutes (its tombstone expires by itself after that).
     *
     * <p>Every client of a semaphore must set this, with any duration: a client without it sets
     * and moves no expiry, so its leases may outlive the keys. Needs Redis 7.0 or later ({@link
     * #build()} checks). Costs one {@code PEXPIRETIME} and one {@code PEXPIREAT} per key in each
     * script that records a lease, a renewal, a queued request or a limit; nothing when not set.
     *
     * @param idle at least 1 ms; longer than 100 years counts as 100 years
     * @return this builder
     */
    public Builder expireWhenIdle(Duration idle) {
      Objects.requireNonNull(idle, "expireWhenIdle");
      if (idle.compareTo(Duration.ofMillis(1)) < 0) {
        throw new IllegalArgumentException("expireWhenIdle must be at least 1 ms, was " + idle);
      }
      this.idleMillis = (idle.compareTo(MAX_IDLE) > 0 ? MAX_IDLE : idle).toMillis();
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
     * @throws IllegalStateException if Redis records another limit, or the keys are to expire
     *     when idle and the server is older than Redis 7.0
     */
    public RedisSemaphore build() {
      String required = name;
      if (required == null || limit == 0) {
        throw new IllegalStateException("name(…) and limit(…) are required");
      }
      return new RedisSemaphore(this, required);
    }
  }
}
