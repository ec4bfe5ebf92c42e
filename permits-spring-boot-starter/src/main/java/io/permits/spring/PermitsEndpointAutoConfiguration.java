package io.permits.spring;

import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

/**
 * The {@code permits} actuator endpoint ({@link PermitsEndpoint}), when the actuator is present and
 * the endpoint is available (exposed, and not disabled with {@code
 * management.endpoint.permits.access=none}).
 */
@AutoConfiguration(after = PermitsAutoConfiguration.class)
@ConditionalOnClass({Endpoint.class, ConditionalOnAvailableEndpoint.class})
public class PermitsEndpointAutoConfiguration {

  /** Created by Spring. */
  public PermitsEndpointAutoConfiguration() {}

  /**
   * The endpoint.
   *
   * @param beans where the semaphores are found
   * @return the endpoint
   */
  @Bean
  @ConditionalOnMissingBean
  @ConditionalOnAvailableEndpoint
  public PermitsEndpoint permitsEndpoint(ListableBeanFactory beans) {
    return new PermitsEndpoint(beans);
  }
}
