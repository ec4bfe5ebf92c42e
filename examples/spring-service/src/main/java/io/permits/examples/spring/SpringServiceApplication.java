package io.permits.examples.spring;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/** The service: {@code application.properties} declares the semaphore {@code reports}. */
@SpringBootApplication
public class SpringServiceApplication {

  /** Created by Spring. */
  public SpringServiceApplication() {}

  /**
   * Starts the service.
   *
   * @param args Spring Boot's arguments ({@code --server.port=8081}, say)
   */
  public static void main(String[] args) {
    SpringApplication.run(SpringServiceApplication.class, args);
  }
}
