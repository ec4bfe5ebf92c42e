package io.permits.spring;

import io.permits.PermitUnavailableException;
import java.time.Duration;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;

/**
 * Answers a request whose handler threw {@link PermitUnavailableException} (from {@link Permits
 * @Permits}, or from {@code Semaphore.call}) with HTTP 429 Too Many Requests, a {@code
 * Retry-After} header in seconds, and an RFC 9457 {@link ProblemDetail} body naming the semaphore.
 * The body does not carry the key or the semaphore's counts, which are the server's business.
 *
 * <p>It has the lowest precedence of all controller advice, so an {@code @ExceptionHandler} of the
 * application for this exception wins, in a controller or in its own advice; a bean of this type
 * replaces it; {@code permits.web.problem-details.enabled=false} turns it off.
 */
@RestControllerAdvice
@Order(Ordered.LOWEST_PRECEDENCE)
public class PermitsProblemHandler {

  private final Duration defaultRetryAfter;

  /**
   * Creates the handler.
   *
   * @param defaultRetryAfter the Retry-After for an exception that does not carry one
   */
  public PermitsProblemHandler(Duration defaultRetryAfter) {
    this.defaultRetryAfter = defaultRetryAfter;
  }

  /**
   * The 429 answer.
   *
   * @param unavailable the exception
   * @return 429, Retry-After and the problem
   */
  @ExceptionHandler(PermitUnavailableException.class)
  public ResponseEntity<ProblemDetail> tooManyRequests(PermitUnavailableException unavailable) {
    Duration retryAfter = defaultRetryAfter;
    String detail = "Too many requests are in progress; try again later.";
    ProblemDetail problem = ProblemDetail.forStatus(HttpStatus.TOO_MANY_REQUESTS);
    if (unavailable instanceof PermitRejectedException rejected) {
      retryAfter = rejected.retryAfter().orElse(defaultRetryAfter);
      detail =
          "Too many requests for '" + rejected.semaphore() + "' are in progress; try again later.";
      problem.setProperty("semaphore", rejected.semaphore());
    }
    long seconds = retryAfterSeconds(retryAfter);
    problem.setDetail(detail);
    problem.setProperty("retryAfterSeconds", seconds);
    return ResponseEntity.status(HttpStatus.TOO_MANY_REQUESTS)
        .header(HttpHeaders.RETRY_AFTER, Long.toString(seconds))
        .body(problem);
  }

  /** Whole seconds, rounded up, at least 1: Retry-After has no fractions, and 0 invites a storm. */
  static long retryAfterSeconds(Duration retryAfter) {
    long seconds = retryAfter.getSeconds() + (retryAfter.getNano() > 0 ? 1 : 0);
    return Math.max(1, seconds);
  }
}
