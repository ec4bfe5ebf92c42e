package io.permits.spring;

import java.time.Duration;
import java.util.Map;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionOutcome;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.SpringBootCondition;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.context.annotation.Conditional;
import org.springframework.core.env.Environment;
import org.springframework.core.type.AnnotatedTypeMetadata;

/**
 * The {@code permits} health contributor ({@link PermitsHealthIndicator}), when a declared
 * semaphore uses a file, Redis or PostgreSQL backend and Spring Boot's health support is present
 * ({@code management.health.permits.enabled=false} turns it off).
 */
@AutoConfiguration(after = PermitsAutoConfiguration.class)
@ConditionalOnClass(HealthIndicator.class)
@ConditionalOnEnabledHealthIndicator("permits")
@Conditional(PermitsHealthAutoConfiguration.OnDistributedBackend.class)
public class PermitsHealthAutoConfiguration {

  /** How long a backend has to answer. */
  static final Duration TIMEOUT = Duration.ofSeconds(2);

  /** Created by Spring. */
  public PermitsHealthAutoConfiguration() {}

  /**
   * The health contributor.
   *
   * @param environment the declared semaphores
   * @param beanFactory the data sources of PostgreSQL backends
   * @return the indicator of their backends
   */
  @Bean
  @ConditionalOnMissingBean(name = "permitsHealthIndicator")
  public PermitsHealthIndicator permitsHealthIndicator(
      Environment environment, BeanFactory beanFactory) {
    return new PermitsHealthIndicator(
        DeclaredSemaphores.read(environment).values(), TIMEOUT, beanFactory);
  }

  /** Matches when a declared semaphore has a file, Redis or PostgreSQL backend. */
  static final class OnDistributedBackend extends SpringBootCondition {
    @Override
    public ConditionOutcome getMatchOutcome(
        ConditionContext context, AnnotatedTypeMetadata metadata) {
      Map<String, SemaphoreSpec> specs = DeclaredSemaphores.read(context.getEnvironment());
      for (SemaphoreSpec spec : specs.values()) {
        if (!(spec.backend() instanceof Backend.Local)) {
          return ConditionOutcome.match(
              "semaphore '" + spec.name() + "' uses backend " + spec.backend().text());
        }
      }
      return ConditionOutcome.noMatch(
          "no declared semaphore uses a file, Redis or PostgreSQL backend");
    }
  }
}
