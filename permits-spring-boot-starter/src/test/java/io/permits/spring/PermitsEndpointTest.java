package io.permits.spring;

import static org.assertj.core.api.Assertions.assertThat;

import io.permits.KeyedSemaphore;
import io.permits.Permit;
import io.permits.Semaphore;
import io.permits.spring.PermitsEndpoint.KeyDescriptor;
import io.permits.spring.PermitsEndpoint.KeyedDescriptor;
import io.permits.spring.PermitsEndpoint.PlainDescriptor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.boot.actuate.autoconfigure.endpoint.EndpointAutoConfiguration;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;

/** The permits actuator endpoint: every semaphore, one semaphore, and when it exists. */
@Timeout(60)
class PermitsEndpointTest {

  private final WebApplicationContextRunner runner =
      new WebApplicationContextRunner()
          .withConfiguration(
              AutoConfigurations.of(
                  PermitsAutoConfiguration.class,
                  PermitsEndpointAutoConfiguration.class,
                  EndpointAutoConfiguration.class))
          .withPropertyValues(
              "management.endpoints.web.exposure.include=permits",
              "permits.semaphores.db.limit=3",
              "permits.semaphores.exports.per-key-limit=2",
              "permits.semaphores.exports.limit=20");

  @Test
  @SuppressWarnings("unchecked")
  void listsEverySemaphoreWithItsCountsHoldersAndBusiestKeys() {
    runner
        .withBean("own", Semaphore.class, () -> Semaphore.of(5))
        .run(
            context -> {
              Semaphore db = context.getBean("db", Semaphore.class);
              KeyedSemaphore<Object> exports = context.getBean("exports", KeyedSemaphore.class);
              PermitsEndpoint endpoint = context.getBean(PermitsEndpoint.class);
              try (Permit two = db.acquire(2);
                  Permit a1 = exports.acquire("acme");
                  Permit a2 = exports.acquire("acme");
                  Permit g1 = exports.acquire("globex")) {
                var all = endpoint.semaphores().semaphores();
                assertThat(all).containsOnlyKeys("db", "exports", "own");

                PlainDescriptor plain = (PlainDescriptor) all.get("db");
                assertThat(plain.type()).isEqualTo("semaphore");
                assertThat(plain.implementation()).isEqualTo("LocalSemaphore");
                assertThat(plain.limit()).isEqualTo(3);
                assertThat(plain.available()).isEqualTo(1);
                assertThat(plain.held()).isEqualTo(2);
                assertThat(plain.waiting()).isZero();
                assertThat(plain.holders()).singleElement()
                    .satisfies(h -> {
                      assertThat(h.permits()).isEqualTo(2);
                      assertThat(h.thread()).isEqualTo(Thread.currentThread().getName());
                    });

                KeyedDescriptor keyed = (KeyedDescriptor) all.get("exports");
                assertThat(keyed.type()).isEqualTo("keyed");
                assertThat(keyed.perKeyLimit()).isEqualTo(2);
                assertThat(keyed.totalLimit()).isEqualTo(20);
                assertThat(keyed.held()).isEqualTo(3);
                assertThat(keyed.keysInUse()).isEqualTo(2);
                assertThat(keyed.busiestKeys())
                    .containsExactly(new KeyDescriptor("acme", 2, 0), new KeyDescriptor("globex", 1, 0));

                assertThat(endpoint.semaphore("db")).isEqualTo(plain);
                assertThat(((PlainDescriptor) endpoint.semaphore("own")).limit()).isEqualTo(5);
                assertThat(endpoint.semaphore("nope")).isNull();
              }
            });
  }

  @Test
  void thereIsNoEndpointUnlessItIsExposed() {
    new WebApplicationContextRunner()
        .withConfiguration(
            AutoConfigurations.of(
                PermitsAutoConfiguration.class,
                PermitsEndpointAutoConfiguration.class,
                EndpointAutoConfiguration.class))
        .run(context -> assertThat(context).doesNotHaveBean(PermitsEndpoint.class));
  }
}
