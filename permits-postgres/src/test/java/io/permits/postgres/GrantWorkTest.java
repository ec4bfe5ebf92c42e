package io.permits.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import io.permits.testsupport.Figures;
import io.permits.testsupport.PostgresServer;
import java.sql.Connection;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * With a long queue, a grant (a release handing its permit to the head) and a waiter asking
 * again at the tail touch the same rows whether 20 or 1,000 are queued: counted by PostgreSQL in
 * the statement's own transaction ({@code pg_stat_xact_user_tables}: scans, rows read by
 * sequential and index scans, rows inserted, updated, deleted), summed over the schema's tables.
 * A scan of the queue would read about a thousand rows more. Counts, not timings.
 */
@Timeout(120)
class GrantWorkTest {

  private static final int SHORT = 20;
  private static final int LONG = 1_000;
  private static final int OPS = 5;
  /**
   * How far the rows read may differ: none, as both queues are longer than the 16 heads read at
   * a time; a scan of the queue differs by about a thousand.
   */
  private static final long SLACK = 0;

  private static PostgresServer server;
  private static HikariDataSource pool;
  private static Sql sql;

  /** Counters of one statement's transaction. */
  private record Work(long seqScans, long seqRows, long indexScans, long indexRows, long inserted,
      long updated, long deleted) {}

  @BeforeAll
  static void start() {
    server = PostgresServer.start();
    pool = Pools.pool(server, 4);
    sql = new Sql(pool);
  }

  @AfterAll
  static void stop() {
    pool.close();
    server.close();
  }

  @Test
  void aGrantTouchesTheSameRowsWhetherTwentyOrAThousandAreQueued() throws Exception {
    Work few = grants("grant-10", SHORT);
    Work many = grants("grant-1000", LONG);
    Figures.record("GrantWorkTest: per grant, %d queued: %s; %d queued: %s%n", SHORT, few,
        LONG, many);
    assertThat(many.seqScans()).as("sequential scans, %s", many).isZero();
    assertSame(few, many);
  }

  @Test
  void aWaiterAskingAgainAtTheTailTouchesTheSameRowsWhetherTwentyOrAThousandAreQueued()
      throws Exception {
    Work few = asks("ask-10", SHORT);
    Work many = asks("ask-1000", LONG);
    Figures.record("GrantWorkTest: per ask at the tail, %d queued: %s; %d queued: %s%n",
        SHORT, few, LONG, many);
    assertThat(many.seqScans()).as("sequential scans, %s", many).isZero();
    assertSame(few, many);
  }

  private static void assertSame(Work few, Work many) {
    assertThat(many.indexScans()).as("index scans").isEqualTo(few.indexScans());
    assertThat(many.inserted()).as("rows inserted").isEqualTo(few.inserted());
    assertThat(many.updated()).as("rows updated").isEqualTo(few.updated());
    assertThat(many.deleted()).as("rows deleted").isEqualTo(few.deleted());
    assertThat(many.indexRows() + many.seqRows())
        .as("rows read, %d queued: %s; %d queued: %s", LONG, many, SHORT, few)
        .isBetween(few.indexRows() + few.seqRows() - SLACK,
            few.indexRows() + few.seqRows() + SLACK);
  }

  /** A holder and {@code length} queued tickets of one permit each; returns the holder's token. */
  private static long queue(String name, int length) throws Exception {
    PostgresSemaphore.builder(pool).name(name).limit(1).build().close();
    long token = sql.acquire(name, "holder:0", 1, 0)[1];
    for (int i = 1; i <= length + OPS; i++) {
      assertThat(sql.acquire(name, "waiter:" + i, 1, 600_000)[0]).isZero();
    }
    return token;
  }

  /** The work of each of OPS releases that hand the permit to the head; all the same. */
  private static Work grants(String name, int length) throws Exception {
    long token = queue(name, length);
    String holder = "holder:0";
    Work work = null;
    for (int i = 1; i <= OPS; i++) {
      Work one = measure("SELECT permits.release('" + name + "', '" + holder + "', " + token
          + ", 1)");
      holder = "waiter:" + i;
      token = sql.acquire(name, holder, 1, 600_000)[1]; // the head was granted
      assertThat(sql.count("waiters", name)).isEqualTo(length + OPS - i);
      if (work != null) {
        assertThat(one).as("release %d", i).isEqualTo(work);
      }
      work = one;
    }
    return work;
  }

  /** The work of each of OPS asks of the last ticket in line (refreshed, not granted). */
  private static Work asks(String name, int length) throws Exception {
    queue(name, length);
    String tail = "waiter:" + (length + OPS);
    Work work = null;
    for (int i = 1; i <= OPS; i++) {
      Work one = measure("SELECT outcome FROM permits.acquire('" + name + "', '" + tail
          + "', 1, 30000, 600000, 'permits_test', '1 test sql', 1)");
      if (work != null) {
        assertThat(one).as("ask %d", i).isEqualTo(work);
      }
      work = one;
    }
    return work;
  }

  /**
   * Runs a statement in a transaction and reads what it cost: the counters of the transaction
   * after it less those before it (they also hold what earlier transactions of the connection
   * counted and the server has not yet gathered).
   */
  private static Work measure(String statement) throws Exception {
    try (Connection connection = pool.getConnection()) {
      connection.setAutoCommit(false);
      try {
        long[] before = counters(connection);
        Sql.row(connection, statement);
        long[] after = counters(connection);
        connection.commit();
        long[] v = new long[before.length];
        for (int i = 0; i < v.length; i++) {
          v[i] = after[i] - before[i];
        }
        return new Work(v[0], v[1], v[2], v[3], v[4], v[5], v[6]);
      } finally {
        connection.setAutoCommit(true);
      }
    }
  }

  private static long[] counters(Connection connection) throws Exception {
    List<Object> row = Sql.row(connection,
        "SELECT coalesce(sum(seq_scan), 0), coalesce(sum(seq_tup_read), 0),"
            + " coalesce(sum(idx_scan), 0), coalesce(sum(idx_tup_fetch), 0),"
            + " coalesce(sum(n_tup_ins), 0), coalesce(sum(n_tup_upd), 0),"
            + " coalesce(sum(n_tup_del), 0)"
            + " FROM pg_stat_xact_user_tables WHERE schemaname = 'permits'");
    return row.stream().mapToLong(value -> ((Number) value).longValue()).toArray();
  }
}
