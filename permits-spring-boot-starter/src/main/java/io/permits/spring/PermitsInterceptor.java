package io.permits.spring;

import io.permits.Permit;
import io.permits.Semaphore;
import java.lang.reflect.Method;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import org.aopalliance.intercept.MethodInterceptor;
import org.aopalliance.intercept.MethodInvocation;
import org.jspecify.annotations.Nullable;
import org.springframework.aop.support.AopUtils;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.core.MethodClassKey;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.util.ClassUtils;

/**
 * Takes the permits of a {@link Permits @Permits} method around each call: waits for them up to
 * the call's wait (blocking the caller, or for a method that returns a future, without a thread:
 * {@link AsyncPermitCall}), throws {@link PermitRejectedException} if none came, and releases them
 * when the method returns or throws (or its future completes).
 */
final class PermitsInterceptor implements MethodInterceptor {

  private final BeanFactory beanFactory;
  private final SemaphoreLookup lookup;
  private final Executor executor;
  private final Map<MethodClassKey, PermitsOperation> operations = new ConcurrentHashMap<>();

  PermitsInterceptor(BeanFactory beanFactory, Executor executor) {
    this.beanFactory = beanFactory;
    this.lookup = new SemaphoreLookup(beanFactory);
    this.executor = executor;
  }

  @Override
  @SuppressWarnings("try") // the permit is held, not used, by the try block
  public @Nullable Object invoke(MethodInvocation invocation) throws Throwable {
    Object target = invocation.getThis();
    Class<?> targetClass =
        target != null ? AopUtils.getTargetClass(target) : invocation.getMethod().getDeclaringClass();
    Optional<PermitsOperation> found = operation(invocation.getMethod(), targetClass);
    if (found.isEmpty()) {
      return invocation.proceed();
    }
    PermitsOperation operation = found.get();
    SemaphoreLookup.Target semaphores = lookup.target(operation.semaphore());
    Object key =
        operation.hasKey()
            ? operation.key(invocation.getArguments(), target != null ? target : this, beanFactory)
            : null;
    if (operation.hasKey() != (semaphores.keyed() != null)) {
      throw new IllegalStateException(mismatch(operation, semaphores.keyed() != null));
    }
    Semaphore semaphore = semaphores.semaphoreFor(key);
    Duration maxWait = operation.maxWait(semaphores.maxWait());
    if (operation.async()) {
      return AsyncPermitCall.start(
          semaphore,
          operation.permits(),
          maxWait,
          invocation::proceed,
          () -> rejected(semaphores, key, maxWait),
          executor);
    }
    Optional<Permit> permit;
    try {
      permit = semaphore.tryAcquire(operation.permits(), maxWait);
    } catch (InterruptedException interrupted) {
      if (declares(invocation.getMethod(), InterruptedException.class)) {
        throw interrupted;
      }
      Thread.currentThread().interrupt(); // kept for the caller to see
      throw new PermitRejectedException(
          semaphores.name(),
          key == null ? null : key.toString(),
          maxWait,
          semaphores.retryAfter(),
          "interrupted while waiting for a permit of semaphore '" + semaphores.name() + "'");
    }
    if (permit.isEmpty()) {
      throw rejected(semaphores, key, maxWait);
    }
    try (Permit held = permit.get()) {
      return invocation.proceed();
    }
  }

  /**
   * The operation of {@code method} on {@code targetClass}, read and checked once.
   *
   * @return the operation, or empty if the method has no annotation
   * @throws IllegalStateException if the annotation is wrong
   */
  Optional<PermitsOperation> operation(Method method, Class<?> targetClass) {
    MethodClassKey cacheKey = new MethodClassKey(method, targetClass);
    PermitsOperation cached = operations.get(cacheKey);
    if (cached != null) {
      return Optional.of(cached);
    }
    Method specific = ClassUtils.getMostSpecificMethod(method, targetClass);
    Permits annotation = AnnotatedElementUtils.findMergedAnnotation(specific, Permits.class);
    if (annotation == null) {
      annotation = AnnotatedElementUtils.findMergedAnnotation(method, Permits.class);
    }
    if (annotation == null) {
      return Optional.empty();
    }
    PermitsOperation operation = PermitsOperation.of(specific, annotation, beanFactory);
    operations.putIfAbsent(cacheKey, operation);
    return Optional.of(operation);
  }

  /**
   * Checks, at startup, that the semaphore an annotation names exists and that the key fits it.
   *
   * @param operation the annotation, read
   * @throws IllegalStateException if not
   */
  void check(PermitsOperation operation) {
    Boolean keyed = lookup.keyed(operation.semaphore());
    if (keyed == null) {
      throw new IllegalStateException(
          operation.where() + ": " + lookup.notASemaphore(operation.semaphore()));
    }
    if (operation.hasKey() != keyed) {
      throw new IllegalStateException(mismatch(operation, keyed));
    }
  }

  private static String mismatch(PermitsOperation operation, boolean keyed) {
    return keyed
        ? operation.where() + ": semaphore '" + operation.semaphore()
            + "' has a per-key-limit, so the annotation needs a key (key = \"#tenantId\", say)"
        : operation.where() + ": semaphore '" + operation.semaphore()
            + "' has no per-key-limit, so the annotation must not name a key";
  }

  private static PermitRejectedException rejected(
      SemaphoreLookup.Target semaphores, @Nullable Object key, Duration maxWait) {
    String keyText = key == null ? null : key.toString();
    return new PermitRejectedException(
        semaphores.name(),
        keyText,
        maxWait,
        semaphores.retryAfter(),
        "no permit of semaphore '"
            + semaphores.name()
            + "'"
            + (keyText == null ? "" : " for key '" + keyText + "'")
            + " within "
            + maxWait.toMillis()
            + " ms");
  }

  private static boolean declares(Method method, Class<? extends Throwable> type) {
    for (Class<?> declared : method.getExceptionTypes()) {
      if (declared.isAssignableFrom(type)) {
        return true;
      }
    }
    return false;
  }
}
