package io.permits.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.asyncDispatch;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.header;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.request;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import io.permits.Permit;
import io.permits.PermitUnavailableException;
import io.permits.Semaphore;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.http.converter.autoconfigure.HttpMessageConvertersAutoConfiguration;
import org.springframework.boot.jackson.autoconfigure.JacksonAutoConfiguration;
import org.springframework.boot.test.context.assertj.AssertableWebApplicationContext;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.boot.webmvc.autoconfigure.WebMvcAutoConfiguration;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.MvcResult;
import org.springframework.test.web.servlet.setup.MockMvcBuilders;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.bind.annotation.RestControllerAdvice;

/** 429 with Retry-After and a problem, and the application's own handlers winning over it. */
@Timeout(60)
class PermitsWebTest {

  private final WebApplicationContextRunner runner =
      new WebApplicationContextRunner()
          .withConfiguration(
              AutoConfigurations.of(
                  PermitsAutoConfiguration.class,
                  PermitsWebAutoConfiguration.class,
                  WebMvcAutoConfiguration.class,
                  HttpMessageConvertersAutoConfiguration.class,
                  JacksonAutoConfiguration.class))
          .withPropertyValues(
              "permits.semaphores.reports.per-key-limit=1",
              "permits.semaphores.reports.retry-after=2500ms",
              "permits.semaphores.plain.limit=1")
          .withBean(Reports.class);

  @Test
  void noPermitIsAnswered429WithRetryAfterAndAProblem() {
    runner.run(
        context -> {
          MockMvc mvc = mvc(context);
          mvc.perform(get("/reports/acme")).andExpect(status().isOk());
          try (Permit held = keyed(context, "acme")) {
            mvc.perform(get("/reports/acme"))
                .andExpect(status().isTooManyRequests())
                .andExpect(header().string("Retry-After", "3"))
                .andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON))
                .andExpect(jsonPath("$.status").value(429))
                .andExpect(jsonPath("$.title").value("Too Many Requests"))
                .andExpect(jsonPath("$.semaphore").value("reports"))
                .andExpect(jsonPath("$.retryAfterSeconds").value(3))
                .andExpect(jsonPath("$.detail").value(org.hamcrest.Matchers.not(
                    org.hamcrest.Matchers.containsString("acme"))));
            mvc.perform(get("/reports/globex")).andExpect(status().isOk());
          }
        });
  }

  @Test
  void theDefaultRetryAfterIsTheApplications() {
    runner
        .withPropertyValues("permits.web.retry-after=5s")
        .run(
            context -> {
              try (Permit held = plain(context)) {
                mvc(context)
                    .perform(get("/plain"))
                    .andExpect(status().isTooManyRequests())
                    .andExpect(header().string("Retry-After", "5"));
              }
            });
  }

  @Test
  void anAsyncHandlerThatFindsNoPermitIsAnswered429Too() {
    runner.run(
        context -> {
          MockMvc mvc = mvc(context);
          try (Permit held = plain(context)) {
            MvcResult started =
                mvc.perform(get("/plain-async")).andExpect(request().asyncStarted()).andReturn();
            mvc.perform(asyncDispatch(started))
                .andExpect(status().isTooManyRequests())
                .andExpect(header().string("Retry-After", "1"));
          }
          MvcResult started = mvc.perform(get("/plain-async")).andReturn();
          mvc.perform(asyncDispatch(started)).andExpect(status().isOk());
        });
  }

  @Test
  void theApplicationsAdviceForTheExceptionWins() {
    runner
        .withBean(OwnAdvice.class)
        .run(
            context -> {
              try (Permit held = plain(context)) {
                mvc(context)
                    .perform(get("/plain"))
                    .andExpect(status().isServiceUnavailable())
                    .andExpect(header().doesNotExist("Retry-After"))
                    .andExpect(content().string("busy: plain"));
              }
            });
  }

  @Test
  void aControllersOwnExceptionHandlerWins() {
    runner
        .withBean(OwnHandlerController.class)
        .run(
            context -> {
              try (Permit held = plain(context)) {
                mvc(context)
                    .perform(get("/own"))
                    .andExpect(status().isServiceUnavailable())
                    .andExpect(content().string("own"));
              }
            });
  }

  @Test
  void anApplicationsHandlerBeanReplacesOurs() {
    runner
        .withBean(PermitsProblemHandler.class, () -> new PermitsProblemHandler(Duration.ofMinutes(1)))
        .run(
            context -> {
              assertThat(context).hasSingleBean(PermitsProblemHandler.class);
              try (Permit held = plain(context)) {
                mvc(context).perform(get("/plain")).andExpect(header().string("Retry-After", "60"));
              }
            });
  }

  @Test
  void theHandlerCanBeTurnedOff() {
    runner
        .withPropertyValues("permits.web.problem-details.enabled=false")
        .run(context -> assertThat(context).doesNotHaveBean(PermitsProblemHandler.class));
  }

  @Test
  void thereIsNoHandlerOutsideAWebApplication() {
    new org.springframework.boot.test.context.runner.ApplicationContextRunner()
        .withConfiguration(
            AutoConfigurations.of(PermitsAutoConfiguration.class, PermitsWebAutoConfiguration.class))
        .run(context -> assertThat(context).doesNotHaveBean(PermitsProblemHandler.class));
  }

  @Test
  void retryAfterIsWholeSecondsRoundedUpAndAtLeastOne() {
    assertThat(PermitsProblemHandler.retryAfterSeconds(Duration.ZERO)).isEqualTo(1);
    assertThat(PermitsProblemHandler.retryAfterSeconds(Duration.ofMillis(1001))).isEqualTo(2);
    assertThat(PermitsProblemHandler.retryAfterSeconds(Duration.ofSeconds(30))).isEqualTo(30);
  }

  private static MockMvc mvc(AssertableWebApplicationContext context) {
    assertThat(context).hasNotFailed();
    return MockMvcBuilders.webAppContextSetup(context).build();
  }

  @SuppressWarnings("unchecked")
  private static Permit keyed(AssertableWebApplicationContext context, String key) {
    return ((io.permits.KeyedSemaphore<Object>) context.getBean("reports")).tryAcquire(key)
        .orElseThrow();
  }

  private static Permit plain(AssertableWebApplicationContext context) {
    return context.getBean("plain", Semaphore.class).tryAcquire().orElseThrow();
  }

  @RestController
  static class Reports {
    @GetMapping("/reports/{tenant}")
    @Permits(value = "reports", key = "#tenant")
    public String report(@PathVariable("tenant") String tenant) {
      return "report of " + tenant;
    }

    @GetMapping("/plain")
    @Permits("plain")
    public String plain() {
      return "plain";
    }

    @GetMapping("/plain-async")
    @Permits("plain")
    public CompletableFuture<String> plainAsync() {
      return CompletableFuture.completedFuture("plain async");
    }
  }

  @RestController
  static class OwnHandlerController {
    @GetMapping("/own")
    @Permits("plain")
    public String own() {
      return "never";
    }

    @ExceptionHandler(PermitUnavailableException.class)
    public ResponseEntity<String> busy(PermitUnavailableException e) {
      return ResponseEntity.status(HttpStatus.SERVICE_UNAVAILABLE).body("own");
    }
  }

  @RestControllerAdvice
  static class OwnAdvice {
    @ExceptionHandler(PermitRejectedException.class)
    public ResponseEntity<String> busy(PermitRejectedException e) {
      return ResponseEntity.status(HttpStatus.SERVICE_UNAVAILABLE).body("busy: " + e.semaphore());
    }
  }
}
