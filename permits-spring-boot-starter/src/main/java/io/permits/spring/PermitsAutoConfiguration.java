package io.permits.spring;

import io.permits.micrometer.PermitsMetrics;
import java.util.concurrent.Executor;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.context.annotation.Role;
import org.springframework.core.env.Environment;

/**
 * Declares the semaphores of {@code permits.semaphores.*} as beans named after them, applies
 * {@link Permits @Permits}, and binds every declared semaphore's gauges and timers to the
 * application's Micrometer registry (through the {@link PermitsMetrics} bean, a {@code
 * MeterBinder}, which Spring Boot's metrics bind when they are present). Each bean is replaceable:
 * define your own {@code PermitsMetrics}, or a semaphore bean of a declared name.
 */
@AutoConfiguration
@ConditionalOnClass(io.permits.Semaphore.class)
@EnableConfigurationProperties(PermitsProperties.class)
@Import(DeclaredSemaphoresRegistrar.class)
public class PermitsAutoConfiguration {

  /** Created by Spring. */
  public PermitsAutoConfiguration() {}

  /**
   * The metrics of the declared semaphores.
   *
   * @return a binder with no common tags (the registry's common tags apply)
   */
  @Bean
  @ConditionalOnMissingBean
  public PermitsMetrics permitsMetrics() {
    return new PermitsMetrics();
  }

  @Bean
  DeclaredSemaphores permitsDeclaredSemaphores(
      Environment environment, PermitsMetrics metrics, BeanFactory beanFactory) {
    return new DeclaredSemaphores(DeclaredSemaphores.read(environment), metrics, beanFactory);
  }

  @Bean
  @Role(BeanDefinition.ROLE_INFRASTRUCTURE)
  static PermitsBeanPostProcessor permitsBeanPostProcessor(Environment environment) {
    boolean proxyTargetClass =
        environment.getProperty("spring.aop.proxy-target-class", Boolean.class, Boolean.TRUE);
    return new PermitsBeanPostProcessor(proxyTargetClass, virtualThreadPerTask());
  }

  /** Where a call whose permits came after a wait runs: a virtual thread of its own. */
  private static Executor virtualThreadPerTask() {
    var threads = Thread.ofVirtual().name("permits-async-", 0).factory();
    return task -> threads.newThread(task).start();
  }
}
