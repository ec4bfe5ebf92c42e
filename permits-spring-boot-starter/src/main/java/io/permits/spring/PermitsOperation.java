package io.permits.spring;

import java.lang.reflect.Method;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.config.ConfigurableBeanFactory;
import org.springframework.boot.convert.DurationStyle;
import org.springframework.context.expression.BeanFactoryResolver;
import org.springframework.context.expression.MethodBasedEvaluationContext;
import org.springframework.core.DefaultParameterNameDiscoverer;
import org.springframework.core.ParameterNameDiscoverer;
import org.springframework.expression.Expression;
import org.springframework.expression.ParseException;
import org.springframework.expression.spel.standard.SpelExpressionParser;

/**
 * One {@link Permits @Permits} method, read once: the semaphore's name, the parsed key
 * expression, the weight, the wait (or null for the semaphore's default) and whether it returns a
 * future. Every fault of the annotation is reported here, naming the method.
 */
final class PermitsOperation {

  private static final SpelExpressionParser PARSER = new SpelExpressionParser();
  private static final ParameterNameDiscoverer NAMES = new DefaultParameterNameDiscoverer();

  private final Method method;
  private final String semaphore;
  private final @Nullable Expression key;
  private final int permits;
  private final @Nullable Duration maxWait;
  private final boolean async;

  private PermitsOperation(
      Method method,
      String semaphore,
      @Nullable Expression key,
      int permits,
      @Nullable Duration maxWait,
      boolean async) {
    this.method = method;
    this.semaphore = semaphore;
    this.key = key;
    this.permits = permits;
    this.maxWait = maxWait;
    this.async = async;
  }

  /**
   * Reads the annotation of {@code method}.
   *
   * @param method the most specific method (on the bean's class)
   * @param annotation its annotation
   * @param beanFactory resolves {@code ${...}} placeholders in {@code maxWait}
   * @return the operation
   * @throws IllegalStateException naming the method and the bad attribute
   */
  static PermitsOperation of(Method method, Permits annotation, @Nullable BeanFactory beanFactory) {
    String where = "@Permits(\"" + annotation.value() + "\") on " + describe(method);
    if (annotation.value().isBlank()) {
      throw new IllegalStateException(where + ": the semaphore's name must not be blank");
    }
    if (annotation.permits() < 1) {
      throw new IllegalStateException(
          where + ": permits must be at least 1, was " + annotation.permits());
    }
    Expression key = null;
    if (!annotation.key().isBlank()) {
      try {
        key = PARSER.parseExpression(annotation.key());
      } catch (ParseException bad) {
        throw new IllegalStateException(
            where + ": key \"" + annotation.key() + "\" is not a SpEL expression: "
                + bad.getMessage(),
            bad);
      }
    }
    Duration maxWait = null;
    String waitText = annotation.maxWait();
    if (beanFactory instanceof ConfigurableBeanFactory configurable) {
      String resolved = configurable.resolveEmbeddedValue(waitText);
      waitText = resolved == null ? "" : resolved;
    }
    if (!waitText.isBlank()) {
      try {
        maxWait = DurationStyle.detectAndParse(waitText.strip());
      } catch (IllegalArgumentException bad) {
        throw new IllegalStateException(
            where + ": maxWait \"" + annotation.maxWait()
                + "\" is not a duration (e.g. 500ms, 1s, PT1S)",
            bad);
      }
      if (maxWait.isNegative()) {
        throw new IllegalStateException(
            where + ": maxWait must not be negative, was \"" + annotation.maxWait() + "\"");
      }
    }
    Class<?> returns = method.getReturnType();
    boolean async = CompletionStage.class.isAssignableFrom(returns);
    if (async && !returns.isAssignableFrom(CompletableFuture.class)) {
      throw new IllegalStateException(
          where + ": a method limited asynchronously returns CompletableFuture or"
              + " CompletionStage, not " + returns.getName());
    }
    return new PermitsOperation(method, annotation.value(), key, annotation.permits(), maxWait,
        async);
  }

  static String describe(Method method) {
    return method.getDeclaringClass().getSimpleName() + "." + method.getName() + "()";
  }

  String semaphore() {
    return semaphore;
  }

  boolean hasKey() {
    return key != null;
  }

  int permits() {
    return permits;
  }

  /** The annotation's wait, or {@code fallback} (the semaphore's max-wait) when it sets none. */
  Duration maxWait(Duration fallback) {
    return maxWait != null ? maxWait : fallback;
  }

  boolean async() {
    return async;
  }

  /** Where, for messages. */
  String where() {
    return "@Permits(\"" + semaphore + "\") on " + describe(method);
  }

  /**
   * Evaluates the key for one call.
   *
   * @param args the call's arguments
   * @param target the bean
   * @param beanFactory resolves {@code @bean} references
   * @return the key, never null
   * @throws IllegalArgumentException if it evaluates to null
   */
  Object key(@Nullable Object[] args, Object target, @Nullable BeanFactory beanFactory) {
    Expression expression = key;
    if (expression == null) {
      throw new IllegalStateException(where() + " has no key");
    }
    MethodBasedEvaluationContext context =
        new MethodBasedEvaluationContext(
            new PermitsExpressionRoot(method, args, target), method, args, NAMES);
    if (beanFactory != null) {
      context.setBeanResolver(new BeanFactoryResolver(beanFactory));
    }
    Object value = expression.getValue(context);
    if (value == null) {
      throw new IllegalArgumentException(
          where() + ": key \"" + expression.getExpressionString() + "\" evaluated to null");
    }
    return value;
  }
}
