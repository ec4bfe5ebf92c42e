package io.permits.spring;

import io.permits.KeyedSemaphore;
import io.permits.Semaphore;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.BeanFactory;

/**
 * Finds the semaphore an {@link Permits @Permits} names: the bean of that name, with the settings
 * declared for it (or, for a bean the application made itself, no wait and the default
 * Retry-After). Looked up once per name.
 */
final class SemaphoreLookup {

  /**
   * A semaphore and its settings.
   *
   * @param name its name
   * @param plain the semaphore, if it has no keys
   * @param keyed the keyed semaphore, if it has keys
   * @param maxWait the default wait
   * @param retryAfter the Retry-After, or null for the application's default
   */
  record Target(
      String name,
      @Nullable Semaphore plain,
      @Nullable KeyedSemaphore<Object> keyed,
      Duration maxWait,
      @Nullable Duration retryAfter) {

    /** The semaphore to take permits from, for {@code key} (null without keys). */
    Semaphore semaphoreFor(@Nullable Object key) {
      KeyedSemaphore<Object> byKey = keyed;
      if (byKey != null) {
        if (key == null) {
          throw new IllegalStateException("semaphore '" + name + "' has keys: name one");
        }
        return byKey.forKey(key);
      }
      if (plain == null) {
        throw new IllegalStateException("semaphore '" + name + "' is neither plain nor keyed");
      }
      return plain;
    }
  }

  private final BeanFactory beanFactory;
  private final Map<String, Target> targets = new ConcurrentHashMap<>();

  SemaphoreLookup(BeanFactory beanFactory) {
    this.beanFactory = beanFactory;
  }

  /**
   * The semaphore named {@code name}.
   *
   * @param name the name
   * @return the semaphore and its settings
   * @throws IllegalStateException if there is no such semaphore
   */
  Target target(String name) {
    return targets.computeIfAbsent(name, this::find);
  }

  @SuppressWarnings("unchecked") // a keyed semaphore's keys are the callers' objects
  private Target find(String name) {
    if (!beanFactory.containsBean(name)) {
      throw new IllegalStateException(missing(name));
    }
    Object bean = beanFactory.getBean(name);
    SemaphoreSpec spec =
        beanFactory.getBeanProvider(DeclaredSemaphores.class).getObject().spec(name).orElse(null);
    Duration maxWait = spec != null ? spec.maxWait() : Duration.ZERO;
    Duration retryAfter = spec != null ? spec.retryAfter() : null;
    if (bean instanceof KeyedSemaphore<?> keyed) {
      return new Target(name, null, (KeyedSemaphore<Object>) keyed, maxWait, retryAfter);
    }
    if (bean instanceof Semaphore semaphore) {
      return new Target(name, semaphore, null, maxWait, retryAfter);
    }
    throw new IllegalStateException(
        "bean '" + name + "' is a " + bean.getClass().getName()
            + ", not a Semaphore or a KeyedSemaphore");
  }

  /** Whether {@code name} is a keyed semaphore, by its bean's type, without making the bean. */
  @Nullable Boolean keyed(String name) {
    if (!beanFactory.containsBean(name)) {
      return null;
    }
    if (beanFactory.isTypeMatch(name, KeyedSemaphore.class)) {
      return Boolean.TRUE;
    }
    return beanFactory.isTypeMatch(name, Semaphore.class) ? Boolean.FALSE : null;
  }

  /** Why {@code name} is no semaphore: there is no bean of that name, or it is something else. */
  String notASemaphore(String name) {
    if (!beanFactory.containsBean(name)) {
      return missing(name);
    }
    Class<?> type = beanFactory.getType(name);
    return "bean '"
        + name
        + "' is "
        + (type == null ? "of an unknown type" : "a " + type.getName())
        + ", not a Semaphore or a KeyedSemaphore (a semaphore declared under that name is not"
        + " made when the name is taken: rename one of them)";
  }

  static String missing(String name) {
    return "no semaphore named '"
        + name
        + "': declare permits.semaphores."
        + name
        + ".limit, or define a Semaphore or KeyedSemaphore bean of that name";
  }
}
