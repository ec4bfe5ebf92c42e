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

    assertThat(sql.release("release", "c:1", token, 1)).isEqualTo(1); // hands the permit to c:2
    long handed = sql.acquire("release", "c:2", 1, 60_000)[1];
    assertThat(sql.release("release", "c:1", token, 1)).as("the second release").isZero();

    assertThat(sql.used("release")).as("c:2's lease is still counted").isEqualTo(1);
    assertThat(sql.renew("release", "c:2", handed)).isPositive();
    assertThat(sql.release("release", "c:2", handed, 1)).isEqualTo(1);
    assertThat(sql.used("release")).isZero();
    assertThat(sql.release("release", "c:2", handed, 1)).as("again, nothing in use").isZero();
    assertThat(sql.used("release")).isZero();
  }

  @Test
  void aReleaseByIdAndTokenAloneAsVersionOneSendsItReleasesOnce() throws Exception {
    open("release-v1", 2);
    long token = sql.acquire("release-v1", "c:1", 1, 0)[1];
    long other = sql.acquire("release-v1", "c:2", 1, 0)[1];

    assertThat(sql.release("release-v1", "c:1", token)).isEqualTo(1);
    assertThat(sql.release("release-v1", "c:1", token)).as("the second release").isZero();
    assertThat(sql.used("release-v1")).as("c:2's lease is still counted").isEqualTo(1);
    assertThat(sql.release("release-v1", "c:2", other)).isEqualTo(1);
    assertThat(sql.used("release-v1")).isZero();
  }

  @Test
  void aReleaseNamingOtherPermitsThanItsLeaseFreesTheLeases() throws Exception {
    open("miscount", 3);
    long one = sql.acquire("miscount", "c:1", 1, 0)[1];
    long two = sql.acquire("miscount", "c:2", 2, 0)[1];

    assertThat(sql.release("miscount", "c:1", one, 2)).as("the lease's own count").isEqualTo(1);
    assertThat(sql.used("miscount")).isEqualTo(2);
    assertThat(sql.release("miscount", "c:2", two, 3)).as("more than in use").isEqualTo(1);
    assertThat(sql.used("miscount")).isZero();
    assertThat(sql.count("leases", "miscount")).isZero();
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
    sql.release("place", "c:1", token, 1);
    assertThat(sql.acquire("place", "c:2", 1, 60_000)[0]).as("the first in line").isEqualTo(1);
    assertThat(sql.acquire("place", "c:3", 1, 60_000)[0]).as("the second").isZero();
  }

  @Test
  void aTombstonedIdIsRefusedWhenNobodyIsQueuedAndThePermitsAreFree() throws Exception {
    open("tomb", 2);
    sql.cancel("tomb", "c:1"); // the cancel of a request whose acquire is still on its way
    long before = sql.acquire("tomb", "c:0", 1, 0)[1];

    assertThat(sql.acquire("tomb", "c:1", 1, 0)[0]).as("the late acquire").isEqualTo(-2);
    assertThat(sql.used("tomb")).as("only c:0's permit").isEqualTo(1);
    assertThat(sql.count("leases", "tomb")).isEqualTo(1);
    assertThat(sql.acquire("tomb", "c:2", 1, 0)[1]).as("tokens still increase")
        .isGreaterThan(before);
  }

  @Test
  void aNewcomerNeverOvertakesAQueuedTicketThatDoesNotFitYet() throws Exception {
    open("fifo", 2);
    long token = sql.acquire("fifo", "c:1", 1, 0)[1];
    assertThat(sql.acquire("fifo", "c:2", 2, 60_000)[0]).as("two do not fit yet").isZero();

    assertThat(sql.acquire("fifo", "c:3", 1, 60_000)[0])
        .as("one fits, but c:2 is ahead").isZero();
    assertThat(sql.acquire("fifo", "c:4", 1, 0)[0]).as("nor without waiting").isZero();
    assertThat(sql.used("fifo")).isEqualTo(1);

    assertThat(sql.release("fifo", "c:1", token, 1)).isEqualTo(1); // hands both to c:2
    assertThat(sql.acquire("fifo", "c:2", 2, 60_000)[0]).as("c:2, first").isEqualTo(1);
    assertThat(sql.acquire("fifo", "c:3", 1, 60_000)[0]).as("c:3, after").isZero();
  }
}
