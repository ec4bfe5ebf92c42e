package io.permits.examples.spring;

import static org.assertj.core.api.Assertions.assertThat;

import io.permits.testsupport.RedisServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The service under a storm: 60 concurrent requests for 3 tenants against the real server, with at
 * most 2 per tenant inside the downstream. Every test makes its 429s happen without timing: the
 * downstream holds each caller at a gate that opens only once every request has either entered it
 * or been answered 429, so exactly 2 per tenant get in and the other 54 wait their max-wait and are
 * refused. The figures go to {@code target/spring-service-figures.txt}.
 */
@Timeout(120)
class SpringServiceTest {

  private static final int REQUESTS = 60;
  private static final List<String> TENANTS = List.of("acme", "globex", "initech");
  private static final Path FIGURES = Path.of("target", "spring-service-figures.txt");

  @BeforeAll
  static void newFigures() throws IOException {
    Files.createDirectories(FIGURES.getParent());
    Files.writeString(FIGURES, "# written by SpringServiceTest\n");
  }

  @Test
  void atMostTwoPerTenantAndTheRestGet429WithRetryAfter() throws Exception {
    try (Service service = new Service(Map.of())) {
      Semaphore progress = new Semaphore(0); // an entry into the downstream, or a 429
      CountDownLatch gate = new CountDownLatch(1);
      CallerCounts counts = new CallerCounts(progress::release);
      service.downstream().use(tenant -> gate.await(), counts);

      List<Storm.Answer> answers;
      try (Storm storm = new Storm(List.of(service.port), REQUESTS, TENANTS, progress::release)) {
        progress.acquire(REQUESTS); // everyone is inside or refused: 2 per tenant hold the gate

        // what the actuator shows while they hold
        assertThat(service.<String>json("/actuator/permits", "$.semaphores.reports.type"))
            .isEqualTo("keyed");
        assertThat(service.<Integer>json("/actuator/permits/reports", "$.perKeyLimit"))
            .isEqualTo(2);
        assertThat(service.<Integer>json("/actuator/permits/reports", "$.held")).isEqualTo(6);
        assertThat(service.<Integer>json("/actuator/permits/reports", "$.keysInUse")).isEqualTo(3);
        assertThat(service.<Integer>json("/actuator/permits/reports", "$.waiting")).isZero();
        assertThat(service.<Integer>json("/actuator/permits/reports", "$.rejections"))
            .isEqualTo(54);
        assertThat(service.<List<Integer>>json("/actuator/permits/reports", "$.busiestKeys[*].held"))
            .containsExactly(2, 2, 2);
        assertThat(service.<List<String>>json("/actuator/permits/reports", "$.busiestKeys[*].key"))
            .containsExactlyInAnyOrderElementsOf(TENANTS);
        assertThat(service.metric("permits.waiting", "VALUE")).isZero();
        assertThat(service.metric("permits.active", "VALUE")).isEqualTo(6);
        assertThat(service.metric("permits.keys", "VALUE")).isEqualTo(3);

        gate.countDown();
        answers = storm.answers();
      }

      List<Storm.Answer> refused = with(answers, 429);
      assertThat(with(answers, 200)).hasSize(6);
      assertThat(refused).hasSize(54);
      assertThat(refused)
          .allSatisfy(
              a -> {
                assertThat(a.retryAfter()).isEqualTo("2");
                assertThat(a.body()).contains("\"status\":429").contains("\"semaphore\":\"reports\"");
              });
      assertThat(counts.maxInside()).containsOnlyKeys(TENANTS).allSatisfy((t, max) ->
          assertThat(max).isEqualTo(2));
      assertThat(counts.entered()).isEqualTo(6);
      assertThat(counts.onPlatformThreads()).as("spring.threads.virtual.enabled").isZero();

      assertThat(service.<Integer>json("/actuator/permits/reports", "$.held")).isZero();
      assertThat(service.<Integer>json("/actuator/permits/reports", "$.keysInUse")).isZero();
      assertThat(service.<Integer>json("/actuator/permits/reports", "$.grants")).isEqualTo(6);
      assertThat(service.metric("permits.waiting", "VALUE")).isZero();
      assertThat(service.metric("permits.acquire", "COUNT", "result:timeout")).isEqualTo(54);
      assertThat(service.metric("permits.acquire", "COUNT", "result:granted")).isEqualTo(6);
      assertThat(service.metric("permits.acquire", "MAX", "result:timeout"))
          .as("a refused request waited its max-wait")
          .isGreaterThanOrEqualTo(0.25);

      figures(
          "one instance, local semaphore (per-key-limit 2, max-wait 250ms)",
          counts,
          answers,
          List.of(service));
    }
  }

  @Test
  void twoInstancesOnOneRedisShareTheLimit() throws Exception {
    try (RedisServer redis = RedisServer.start()) {
      Map<String, Object> onRedis =
          Map.of(
              "permits.semaphores.reports.backend", redis.uri(),
              "permits.semaphores.reports.max-wait", "400ms");
      try (Service one = new Service(onRedis);
          Service two = new Service(onRedis)) {
        Semaphore progress = new Semaphore(0);
        CountDownLatch gate = new CountDownLatch(1);
        CallerCounts shared = new CallerCounts(progress::release); // counts both instances' calls
        one.downstream().use(tenant -> gate.await(), shared);
        two.downstream().use(tenant -> gate.await(), shared);

        List<Storm.Answer> answers;
        try (Storm storm =
            new Storm(List.of(one.port, two.port), REQUESTS, TENANTS, progress::release)) {
          progress.acquire(REQUESTS);
          int heldOne = one.json("/actuator/permits/reports", "$.held");
          int heldTwo = two.json("/actuator/permits/reports", "$.held");
          assertThat(heldOne + heldTwo).as("2 per tenant across both").isEqualTo(6);
          gate.countDown();
          answers = storm.answers();
        }

        assertThat(shared.maxInside()).containsOnlyKeys(TENANTS).allSatisfy((t, max) ->
            assertThat(max).isEqualTo(2));
        assertThat(with(answers, 200)).hasSize(6);
        assertThat(with(answers, 429)).hasSize(54)
            .allSatisfy(a -> assertThat(a.retryAfter()).isEqualTo("2"));
        assertThat(one.metric("permits.acquire", "MAX", "result:timeout"))
            .as("the instances run with max-wait 400ms")
            .isGreaterThanOrEqualTo(0.4);
        assertThat(answers).extracting(Storm.Answer::port).contains(one.port, two.port);

        figures(
            "two instances, one Redis (per-key-limit 2 across both, max-wait 400ms)",
            shared,
            answers,
            List.of(one, two));
      }
    }
  }

  private static List<Storm.Answer> with(List<Storm.Answer> answers, int status) {
    return answers.stream().filter(a -> a.status() == status).toList();
  }

  /**
   * Appends one run's figures, kept for the report, not printed: the waits for a permit as the
   * servers' permits.acquire timers give them (p99 from Micrometer's percentile, which keeps one
   * significant digit; max and mean exact), and the client's time to a 429.
   */
  private static void figures(
      String run, CallerCounts counts, List<Storm.Answer> answers, List<Service> services)
      throws Exception {
    double p99Refused = 0;
    double p99Granted = 0;
    double maxRefused = 0;
    double totalRefused = 0;
    double countRefused = 0;
    for (Service service : services) {
      p99Refused = Math.max(p99Refused,
          service.metric("permits.acquire.percentile", "VALUE", "result:timeout", "phi:0.99"));
      p99Granted = Math.max(p99Granted,
          service.metric("permits.acquire.percentile", "VALUE", "result:granted", "phi:0.99"));
      maxRefused = Math.max(maxRefused, service.metric("permits.acquire", "MAX", "result:timeout"));
      totalRefused += service.metric("permits.acquire", "TOTAL_TIME", "result:timeout");
      countRefused += service.metric("permits.acquire", "COUNT", "result:timeout");
    }
    List<Long> refusedNanos = new ArrayList<>();
    for (Storm.Answer answer : with(answers, 429)) {
      refusedNanos.add(answer.nanos());
    }
    Collections.sort(refusedNanos);
    long clientP99 =
        refusedNanos.isEmpty()
            ? 0
            : refusedNanos.get((int) Math.ceil(0.99 * refusedNanos.size()) - 1);
    String text =
        String.format(
            Locale.ROOT,
            "%n[%s]%nrequests: %d for %d tenants%nper-tenant max inside the downstream: %s%n"
                + "200: %d%n429: %d%n"
                + "wait for a permit, refused (server, permits.acquire): p99 %.0f ms, max %.0f ms,"
                + " mean %.0f ms%n"
                + "wait for a permit, granted (server, permits.acquire): p99 %.0f ms%n"
                + "time to a 429 (client): p99 %d ms%n"
                + "a 429: Retry-After %s, %s%n",
            run,
            answers.size(),
            TENANTS.size(),
            counts.maxInside(),
            with(answers, 200).size(),
            with(answers, 429).size(),
            p99Refused * 1000,
            maxRefused * 1000,
            countRefused == 0 ? 0 : totalRefused / countRefused * 1000,
            p99Granted * 1000,
            TimeUnit.NANOSECONDS.toMillis(clientP99),
            with(answers, 429).get(0).retryAfter(),
            with(answers, 429).get(0).body());
    Files.writeString(FIGURES, text, StandardOpenOption.APPEND);
  }
}
