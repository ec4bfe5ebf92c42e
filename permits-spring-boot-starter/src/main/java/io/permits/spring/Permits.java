package io.permits.spring;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Runs the annotated bean method while holding permits of a declared semaphore: acquired before
 * the method runs, released when it returns or throws.
 *
 * <pre>{@code
 * @Permits(value = "exports", key = "#tenantId", maxWait = "1s")
 * public Report export(String tenantId) { ... }
 * }</pre>
 *
 * <p>If no permit comes within {@link #maxWait()}, the method does not run and the call throws
 * {@link PermitRejectedException} (a {@link io.permits.PermitUnavailableException}), which a
 * servlet web application answers with HTTP 429 and a {@code Retry-After} header.
 *
 * <p>A method that returns {@link java.util.concurrent.CompletableFuture} or {@link
 * java.util.concurrent.CompletionStage} waits for its permit without a thread: the call returns a
 * future at once; the method runs when the permit is granted (on the caller's thread if it is free
 * at once, else on a new virtual thread), and the permit is released when the future the method
 * returned completes. The returned future fails with {@link PermitRejectedException} if no permit
 * came in time; cancelling it withdraws the request.
 *
 * <p>The annotation works on Spring beans called through their proxy (as {@code @Transactional}
 * and {@code @Cacheable} do): a call from the same object to itself is not limited.
 *
 * @see PermitsAutoConfiguration
 */
@Target(ElementType.METHOD)
@Retention(RetentionPolicy.RUNTIME)
@Inherited
@Documented
public @interface Permits {

  /**
   * The semaphore's name: one declared under {@code permits.semaphores.NAME}, or a bean of that
   * name that is a {@link io.permits.Semaphore} or a {@link io.permits.KeyedSemaphore}.
   *
   * @return the semaphore's name
   */
  String value();

  /**
   * A SpEL expression over the method's parameters giving the key, for a keyed semaphore (one with
   * a {@code per-key-limit}): {@code "#tenantId"}, {@code "#order.customerId"}, {@code "#p0"}. As
   * with Spring's caching annotations, parameters are named {@code #name} (compile with {@code
   * -parameters}, as Spring Boot's build plugins do), {@code #p0} or {@code #a0}; {@code #root.method}
   * and {@code #root.target} are the method and the bean; {@code @bean} names a bean. Empty (the
   * default) for a semaphore without keys. The value is the key as is (compared with {@code
   * equals}); null is an error.
   *
   * @return the key expression, or empty
   */
  String key() default "";

  /**
   * How many permits the call takes, from 1 to the semaphore's limit (per-key limit).
   *
   * @return the weight
   */
  int permits() default 1;

  /**
   * The longest wait for the permits, as Spring Boot reads durations ({@code "500ms"}, {@code
   * "1s"}, {@code "PT1S"}) or a {@code ${...}} placeholder; {@code "0"} does not wait. Empty (the
   * default) takes the semaphore's {@code max-wait} property.
   *
   * @return the longest wait, or empty for the semaphore's default
   */
  String maxWait() default "";
}
