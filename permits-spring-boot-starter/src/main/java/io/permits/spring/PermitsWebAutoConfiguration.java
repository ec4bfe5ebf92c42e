package io.permits.spring;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.web.servlet.DispatcherServlet;

/**
 * In a servlet web application, answers {@link io.permits.PermitUnavailableException} with 429,
 * {@code Retry-After} and a problem-details body ({@link PermitsProblemHandler}), unless {@code
 * permits.web.problem-details.enabled=false} or the application defines its own {@code
 * PermitsProblemHandler}. An {@code @ExceptionHandler} of the application for the exception wins
 * over it.
 */
@AutoConfiguration(after = PermitsAutoConfiguration.class)
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
@ConditionalOnClass(DispatcherServlet.class)
@ConditionalOnBooleanProperty(name = "permits.web.problem-details.enabled", matchIfMissing = true)
public class PermitsWebAutoConfiguration {

  /** Created by Spring. */
  public PermitsWebAutoConfiguration() {}

  /**
   * The 429 handler.
   *
   * @param properties {@code permits.web.retry-after}
   * @return the handler
   */
  @Bean
  @ConditionalOnMissingBean
  public PermitsProblemHandler permitsProblemHandler(PermitsProperties properties) {
    return new PermitsProblemHandler(properties.getWeb().getRetryAfter());
  }
}
