package io.permits.postgres;

/**
 * Thrown when PostgreSQL cannot run a semaphore's statement: the server cannot be reached, the
 * database user lacks a privilege on the semaphore's schema, the schema is of another version,
 * or a statement failed or its outcome is unknown (a lost connection, a statement timeout). The
 * message names the semaphore, the operation and the cause.
 */
public final class PostgresSemaphoreException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  PostgresSemaphoreException(String message, Throwable cause) {
    super(message, cause);
  }

  PostgresSemaphoreException(String message) {
    super(message);
  }
}
