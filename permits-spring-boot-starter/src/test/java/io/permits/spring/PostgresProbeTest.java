package io.permits.spring;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Proxy;
import java.sql.SQLException;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The health check of a PostgreSQL backend when its pool does not answer: no server needed. */
@Timeout(60)
class PostgresProbeTest {

  @Test
  void aPoolThatDoesNotAnswerIsDownWithinTheTimeoutAndIsNotAskedTwiceAtOnce() throws Exception {
    CountDownLatch giveUp = new CountDownLatch(1);
    AtomicInteger borrows = new AtomicInteger();
    DataSource stuck = // a pool waiting for a connection to a server that is down
        (DataSource)
            Proxy.newProxyInstance(
                DataSource.class.getClassLoader(),
                new Class<?>[] {DataSource.class},
                (proxy, method, args) -> {
                  if (!method.getName().equals("getConnection")) {
                    throw new UnsupportedOperationException(method.getName());
                  }
                  borrows.incrementAndGet();
                  giveUp.await();
                  throw new SQLException(
                      "Connection is not available", new SQLException("Connection refused"));
                });
    PostgresProbe probe = new PostgresProbe(stuck, Duration.ofMillis(200));

    long started = System.nanoTime();
    assertThat(probe.check()).startsWith("no answer within ");
    assertThat(System.nanoTime() - started)
        .isBetween(TimeUnit.MILLISECONDS.toNanos(200), TimeUnit.SECONDS.toNanos(10));
    assertThat(probe.check()).startsWith("no answer within "); // the same check, waited for again
    assertThat(borrows).hasValue(1);

    giveUp.countDown();
    assertThat(probe.check()).isEqualTo("Connection is not available (Connection refused)");
    assertThat(probe.check()).isEqualTo("Connection is not available (Connection refused)");
    assertThat(borrows).hasValue(2); // a new check once the last one had answered
  }
}
