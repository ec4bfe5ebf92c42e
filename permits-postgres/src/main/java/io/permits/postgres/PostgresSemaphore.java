package io.permits.postgres;

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
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
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
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;

/**
 * A semaphore shared by every client of one PostgreSQL database that names it: at most {@link
 * #limit()} permits are held at once, across all of them. Permits are {@link Lease leases}: they
 * expire unless renewed, so a crashed holder's permits come back within one lease; each grant
 * carries a fencing token, and tokens strictly increase.
 *
 * <pre>{@code
 * HikariDataSource dataSource = new HikariDataSource(config);  // the application's own pool
 * try (PostgresSemaphore exports = PostgresSemaphore.builder(dataSource)
 *         .name("exports").limit(10).lease(Duration.ofSeconds(30)).build();
 *     Lease lease = exports.acquire()) {
 *   export(lease.token());
 * }
 * }</pre>
 *
 * <p>The semaphore's tables and functions live in a schema ({@code permits} unless {@link
 * Builder#schema(String)} names another), made on first use from {@code schema.sql} (in this
 * jar, beside this class) when the database user may create them, else made once by a DBA from
 * the same file. An acquire when permits are free is one statement, a release one; a queued
 * request is woken by a notification ({@code LISTEN}/{@code NOTIFY}) on one connection per
 * semaphore, borrowed from the data source while requests wait. Requests of all clients are
 * served in arrival order. A holder that can no longer be sure of its lease (renewal failed, its
 * time ran out) sees {@link Lease#lost()} complete; pass {@link Lease#token()} to the resource so
 * that it can refuse a stale holder. Guarantees and assumptions: docs/postgres.md.
 */
public final class PostgresSemaphore implements io.permits.Semaphore {

  /*
   * Implementation notes. A request first takes permits of an in-process gate (a LocalSemaphore
   * with the same limit, so threads of this JVM queue, time out and are interrupted in memory),
   * then runs its remote part (RemoteRequest): the acquire function grants it when it fits and
   * nobody is queued ahead, else queues its ticket. Functions that free permits hand them to the
   * queue's heads that fit, in the same transaction, and notify the waiting client's channel.
   * Every function is safe to run twice: ids are fresh per request and never reused, an acquire
   * for an id that holds a lease returns that lease, a release names its lease's id and token, a
   * cancelled id is refused for ten minutes. A request that gives up, or whose outcome is unknown,
   * cancels its id before its caller is answered (Endings). The watchdog renews each lease at a
   * third of its length (Renewer). The data source is the application's: this class borrows a
   * connection per statement, and one for listening while requests wait (WakeListener).
   */

  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.:-]{1,200}");

  /** Renews every semaphore's leases and times retries: one daemon thread for the JVM. */
  private static final ScheduledThreadPoolExecutor WATCHDOG =
      Renewer.watchdog("permits-postgres-watchdog");

  private final String name;
  private final long leaseMillis;
  private final String clientId = UUID.randomUUID().toString();
  private final String who;
  private final AtomicLong requests = new AtomicLong();
  private final Map<String, RemoteRequest> waiters = new ConcurrentHashMap<>();
  private final AtomicBoolean closed = new AtomicBoolean();
  private final Calls calls;
  private final Endings endings;
  private final WakeListener listener;
  private final Gate gate; // follows the newest limit read from PostgreSQL
  private final Renewer<RemoteLease> renewer;
  private final GatedAcquires acquires;

  private PostgresSemaphore(Builder builder, String name) {
    this.name = name;
    this.leaseMillis = builder.lease.toMillis();
    this.who = HolderRows.describeThisProcess(builder.command);
    Schema.ensure(builder.dataSource, builder.schema, name);
    this.calls = new Calls(builder.dataSource, builder.schema, name);
    this.endings = new Endings(calls, WATCHDOG);
    Calls.LimitReply opened = openLimit(builder.limit, builder.changeLimit);
    this.gate =
        new Gate(name, opened.recorded(), opened.version(), builder.fairness, Integer.MAX_VALUE,
            this::limit);
    this.renewer = new Renewer<>(leaseMillis, WATCHDOG, this::sendRenewal);
    this.acquires = new GatedAcquires(gate, "permits-postgres-async " + name, new RequestsOfThis());
    this.listener =
        WakeListener.join(builder.dataSource, clientId, this::onNotification,
            () -> !waiters.isEmpty());
  }

  /**
   * Starts building a semaphore on the application's data source (a pool such as HikariCP's).
   * The semaphore borrows a connection for each statement, and one more for listening while
   * requests of it wait; it never closes the data source.
   *
   * @param dataSource connections to the PostgreSQL database
   * @return a builder
   */
  public static Builder builder(DataSource dataSource) {
    return new Builder(Objects.requireNonNull(dataSource, "dataSource"));
  }

  @Override
  public String name() {
    return name;
  }

  /**
   * {@inheritDoc}
   *
   * <p>Read from PostgreSQL: another client may have changed it.
   */
  @Override
  public int limit() {
    Calls.LimitReply reply = calls.limit(gate.local().limit(), "read");
    gate.report(reply.recorded(), reply.version());
    return reply.recorded();
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
   * gate; once it has them, it waits for PostgreSQL on a virtual thread of its own, so at most
   * {@code limit} such threads exist per semaphore, however many requests are pending. Cancelling
   * the future withdraws the request: at the gate by removing it, in PostgreSQL by interrupting
   * its thread, which cancels its ticket too.
   */
  @Override
  public CompletableFuture<Permit> acquireAsync(int permits) {
    return acquires.acquireAsync(permits);
  }

  /**
   * {@inheritDoc}
   *
   * <p>Sets the limit in PostgreSQL, for every client; queued requests that now fit are granted.
   */
  @Override
  public void setLimit(int limit) {
    if (limit < 1) {
      throw new IllegalArgumentException("limit must be at least 1, was " + limit);
    }
    Calls.LimitReply reply = calls.limit(limit, "change");
    gate.reportAndSettle(limit, reply.version());
  }

  @Override
  public SemaphoreStats stats() {
    SemaphoreStats local = gate.local().stats();
    Calls.Counts counts = calls.counts();
    if (counts.limit() < 0) { // the row was deleted by hand: made again by the next acquire
      return local;
    }
    gate.report(counts.limit(), counts.version());
    int available =
        Math.max(0, Math.min(gate.local().available(), counts.limit() - counts.used()));
    return local.withGauges(
        counts.limit(),
        available,
        Math.max(counts.used(), local.held()), // held in PostgreSQL, or taken here on its way
        local.waiting() + counts.queued());
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
    return HolderRows.holders(calls.state());
  }

  /**
   * Who holds and who waits for the semaphore {@code name}, read without opening it.
   *
   * @param dataSource connections to the database
   * @param schema the semaphores' schema ({@code permits} by default)
   * @param name the semaphore's name
   * @return its state now
   * @throws IllegalStateException if the database has no semaphore of that name (or no such
   *     schema)
   * @throws PostgresSemaphoreException if PostgreSQL cannot be reached, the user may not read the
   *     schema, or the schema is of another version ({@link PostgresSemaphoreException#reason()})
   */
  public static PostgresSemaphoreStatus status(DataSource dataSource, String schema, String name) {
    Calls calls = new Calls(Objects.requireNonNull(dataSource, "dataSource"),
        Schema.checkName(schema), checkName(name));
    Calls.Counts counts =
        Schema.existsAtVersion(dataSource, schema, name)
            ? calls.counts()
            : new Calls.Counts(-1, 0, 0, 0);
    if (counts.limit() < 0) {
      throw new IllegalStateException(
          "no semaphore '" + name + "' in schema '" + schema + "' of the database");
    }
    List<Calls.StateRow> rows = calls.state();
    return new PostgresSemaphoreStatus(
        name, counts.limit(), HolderRows.holders(rows), HolderRows.waiters(rows));
  }

  /**
   * The names of the semaphores in the schema, sorted.
   *
   * @param dataSource connections to the database
   * @param schema the semaphores' schema ({@code permits} by default)
   * @return the names; none if there is no such schema
   * @throws PostgresSemaphoreException if PostgreSQL cannot be reached, the user may not read the
   *     schema, or the schema is of another version ({@link PostgresSemaphoreException#reason()})
   */
  public static List<String> names(DataSource dataSource, String schema) {
    String checked = Schema.checkName(schema);
    Calls calls = new Calls(Objects.requireNonNull(dataSource, "dataSource"), checked, "*");
    if (!Schema.existsAtVersion(dataSource, checked, "*")) {
      return List.of(); // no semaphore was ever opened in it
    }
    return calls.run("listing the semaphores", connection -> {
      List<String> names = new ArrayList<>();
      try (PreparedStatement query =
              connection.prepareStatement(
                  "SELECT name FROM " + checked + ".semaphores ORDER BY name COLLATE \"C\"");
          ResultSet rows = query.executeQuery()) {
        while (rows.next()) {
          names.add(rows.getString(1));
        }
      }
      return names;
    });
  }

  @Override
  public boolean isClosed() {
    return closed.get();
  }

  /**
   * {@inheritDoc}
   *
   * <p>Queued requests fail (each cancels its ticket); leases still held stay valid and may
   * still be closed (a lease not closed expires within one lease).
   */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    gate.local().close();
    listener.leave(clientId);
    waiters.values().forEach(RemoteRequest::wake);
  }

  @Override
  public String toString() {
    return "PostgresSemaphore[" + name + ", gate " + gate.local() + "]";
  }

  /** A request of this semaphore to PostgreSQL, for permits taken at the gate. */
  private final class RequestsOfThis implements GatedAcquires.Store {
    @Override
    public @Nullable RemoteLease request(Permit gatePermit, boolean timed, long deadlineNanos)
        throws InterruptedException {
      return new RemoteRequest(PostgresSemaphore.this, gatePermit, true, timed, deadlineNanos).run();
    }

    @Override
    public @Nullable RemoteLease requestNow(Permit gatePermit) {
      return new RemoteRequest(PostgresSemaphore.this, gatePermit, false, false, 0)
          .runWithoutWaiting();
    }
  }

  // ---- for RemoteRequest and RemoteLease

  long leaseMillis() {
    return leaseMillis;
  }

  Endings endings() {
    return endings;
  }

  String newRequestId() {
    return clientId + ":" + requests.incrementAndGet();
  }

  void checkOpen() {
    if (closed.get()) {
      throw new SemaphoreClosedException("acquire on semaphore '" + name + "', which is closed");
    }
  }

  /** From now on, a notification for ticket {@code id} reaches {@code request}. */
  void listen(String id, RemoteRequest request) {
    waiters.put(id, request);
    listener.start();
  }

  void stopListening(String id, RemoteRequest request) {
    waiters.remove(id, request);
  }

  private void onNotification(String payload) {
    RemoteRequest waiter = waiters.get(TicketWait.ticketOf(payload));
    long token = TicketWait.tokenOf(payload);
    if (waiter != null && token > 0) {
      waiter.handed(token);
    }
  }

  /** Runs the acquire function for a request (queuing its ticket if it may wait). */
  AcquireReply askPostgres(String id, int permits, boolean wait) {
    return calls.acquire(id, permits, leaseMillis, wait ? RemoteRequest.TICKET_MILLIS : 0,
        listener.channel(), who, gate.local().limit()); // to make the row again if it is gone
  }

  void reportLimit(int limit, long version) {
    gate.report(limit, version);
  }

  IllegalArgumentException tooLarge(int permits, int limit) {
    return gate.impossible(permits, limit);
  }

  RemoteLease newLease(String id, Permit gatePermit, long token, long deadlineNanos) {
    RemoteLease lease =
        new RemoteLease(name, id, token, gatePermit, deadlineNanos, this::released);
    renewer.add(lease);
    return lease;
  }

  /** A lease was closed: its release runs now (and again in the background if it fails). */
  void released(RemoteLease lease) {
    renewer.remove(lease);
    endings.release(
        lease.id(), lease.token(), lease.permits(), lease.deadlineNanos(), () -> {});
  }

  private CompletableFuture<Boolean> sendRenewal(RemoteLease lease) {
    return CompletableFuture.supplyAsync(
        () -> calls.renew(lease.id(), lease.token(), leaseMillis), Calls.IO);
  }

  /** Opens the semaphore: records the limit, or compares it (and changes it if asked to). */
  private Calls.LimitReply openLimit(int limit, boolean change) {
    Calls.LimitReply reply = calls.limit(limit, "open");
    if (reply.matches()) {
      return reply;
    }
    if (change) {
      return calls.limit(limit, "change");
    }
    throw new IllegalStateException(
        "semaphore '" + name + "' has limit " + reply.recorded() + " in PostgreSQL, not " + limit
            + ": open it with limit " + reply.recorded() + ", or ask to change the limit"
            + " (changeLimit(true))");
  }

  static String checkName(String name) {
    Objects.requireNonNull(name, "name");
    if (!NAME.matcher(name).matches()) {
      throw new IllegalArgumentException(
          "bad semaphore name '" + name + "': use 1 to 200 letters, digits, '.', '_', ':' or '-'");
    }
    return name;
  }

  /** Builds a {@link PostgresSemaphore}; {@link #name} and {@link #limit} are required. */
  public static final class Builder {
    private final DataSource dataSource;
    private @Nullable String name; // required: build() checks it
    private int limit;
    private boolean changeLimit;
    private Duration lease = Duration.ofSeconds(30);
    private Fairness fairness = Fairness.BOUNDED;
    private String schema = "permits";
    private @Nullable String command;

    private Builder(DataSource dataSource) {
      this.dataSource = dataSource;
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
     * The schema of the semaphores' tables and functions; default {@code permits}. Made on first
     * use if missing (which needs the privilege to create it), else checked to be of this
     * library's version.
     *
     * @param schema 1 to 63 lower-case letters, digits or '_', not starting with a digit
     * @return this builder
     */
    public Builder schema(String schema) {
      this.schema = Schema.checkName(Objects.requireNonNull(schema, "schema"));
      return this;
    }

    /**
     * What {@link PostgresSemaphore#holders()} and {@code permits status} show as this client's
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
     * The number of permits; must match the limit recorded in PostgreSQL unless {@link
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
     * How this JVM's own requests queue before they reach PostgreSQL; default {@link
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
     * Opens the semaphore: makes the schema if it is missing, and records the limit if the
     * database has none for this name.
     *
     * @return the semaphore
     * @throws PostgresSemaphoreException if PostgreSQL cannot be reached, the user lacks a
     *     privilege, or the schema is of another version ({@link
     *     PostgresSemaphoreException#reason()} says which)
     * @throws IllegalStateException if PostgreSQL records another limit
     */
    public PostgresSemaphore build() {
      String required = name;
      if (required == null || limit == 0) {
        throw new IllegalStateException("name(…) and limit(…) are required");
      }
      return new PostgresSemaphore(this, required);
    }
  }
}
