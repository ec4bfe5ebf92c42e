package io.permits.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import io.permits.testsupport.PostgresServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Every function is safe to run twice, as a driver or a client that cannot know whether a
 * statement ran may send it again: the calls sent by hand, each twice.
 */
@Timeout(60)
class IdempotenceTest {

  private static PostgresServer server;
  private static HikariDataSource pool;
  private static Sql sql;

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

  private static void open(String name, int limit) {
    PostgresSemaphore.builder(pool).name(name).limit(limit).build().close();
  }

  @Test
  void anAcquireRunTwiceWithTheSameIdGrantsOnce() throws Exception {
    open("twice", 2);
    long[] first = sql.acquire("twice", "c:1", 1, 0);
    long[] second = sql.acquire("twice", "c:1", 1, 0);

    assertThat(first[0]).as("outcome").isEqualTo(1);
    assertThat(second[0]).as("outcome of the second run").isEqualTo(1);
    assertThat(second[1]).as("the same lease's token").isEqualTo(first[1]);
    assertThat(second[2]).as("ms left").isBetween(1L, first[2]);
    assertThat(sql.used("twice")).isEqualTo(1);
    assertThat(sql.count("leases", "twice")).isEqualTo(1);
  }

  @Test
  void aReleaseRunTwiceReleasesOnce() throws Exception {
    open("release", 1);
    long token = sql.acquire("release", "c:1", 1, 0)[1];
    long[] queued = sql.acquire("release", "c:2", 1, 60_000);
    assertThat(queued[0]).as("the second request queues").isZero();

    assertThat(sql.release("release", "c:1", token)).isEqualTo(1); // hands the permit to c:2
    long handed = sql.acquire("release", "c:2", 1, 60_000)[1];
    assertThat(sql.release("release", "c:1", token)).as("the second release").isZero();

    assertThat(sql.used("release")).as("c:2's lease is still counted").isEqualTo(1);
    assertThat(sql.renew("release", "c:2", handed)).isPositive();
    assertThat(sql.release("release", "c:2", handed)).isEqualTo(1);
    assertThat(sql.used("release")).isZero();
  }

  @Test
  void aCancelledIdIsRefusedAndACancelRunTwiceChangesNothing() throws Exception {
    open("cancel", 1);
    long token = sql.acquire("cancel", "c:1", 1, 0)[1];
    sql.cancel("cancel", "c:1");
    sql.cancel("cancel", "c:1");

    assertThat(sql.used("cancel")).as("the cancel ended the lease").isZero();
    assertThat(sql.acquire("cancel", "c:1", 1, 0)[0])
        .as("a late copy of the cancelled acquire").isEqualTo(-2);
    assertThat(sql.count("leases", "cancel")).isZero();
    assertThat(sql.renew("cancel", "c:1", token)).as("renewing what was cancelled").isZero();
  }

  @Test
  void aQueuedAcquireRunAgainKeepsItsPlace() throws Exception {
    open("place", 1);
    long token = sql.acquire("place", "c:1", 1, 0)[1];
    sql.acquire("place", "c:2", 1, 60_000);
    sql.acquire("place", "c:3", 1, 60_000);
    sql.acquire("place", "c:2", 1, 60_000); // again: refreshed where it stands

    assertThat(sql.count("waiters", "place")).isEqualTo(2);
    sql.release("place", "c:1", token);
    assertThat(sql.acquire("place", "c:2", 1, 60_000)[0]).as("the first in line").isEqualTo(1);
    assertThat(sql.acquire("place", "c:3", 1, 60_000)[0]).as("the second").isZero();
  }
}
