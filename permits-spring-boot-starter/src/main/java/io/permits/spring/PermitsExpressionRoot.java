package io.permits.spring;

import java.lang.reflect.Method;
import org.jspecify.annotations.Nullable;

/**
 * The root object of a {@link Permits#key()} expression: {@code #root.method}, {@code
 * #root.target}, {@code #root.args} (the parameters themselves are variables: {@code #tenantId},
 * {@code #p0}).
 */
public final class PermitsExpressionRoot {
  private final Method method;
  private final @Nullable Object[] args;
  private final Object target;

  PermitsExpressionRoot(Method method, @Nullable Object[] args, Object target) {
    this.method = method;
    this.args = args;
    this.target = target;
  }

  /**
   * The annotated method.
   *
   * @return the method
   */
  public Method getMethod() {
    return method;
  }

  /**
   * The call's arguments.
   *
   * @return the arguments
   */
  public @Nullable Object[] getArgs() {
    return args;
  }

  /**
   * The bean whose method is called.
   *
   * @return the target
   */
  public Object getTarget() {
    return target;
  }
}
