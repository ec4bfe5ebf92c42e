package io.permits.redis;

/**
 * Thrown when Redis cannot run a semaphore's script: it is unreachable (after the client's
 * timeout), refused the command, or holds something else at the semaphore's keys.
 */
public final class RedisSemaphoreException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  RedisSemaphoreException(String message, Throwable cause) {
    super(message, cause);
  }
}
