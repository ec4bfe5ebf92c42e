package io.permits.spring;

import io.permits.HolderProcess;
import io.permits.KeyLoad;
import io.permits.KeyedSemaphore;
import io.permits.PermitHolder;
import io.permits.Semaphore;
import io.permits.SemaphoreStats;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.annotation.Selector;

/**
 * The {@code permits} actuator endpoint: {@code /actuator/permits} lists every semaphore bean of
 * the application (declared in properties or not) with its limit, available, held and waiting
 * permits and its holders; a keyed semaphore with its per-key limit, total, keys in use and busiest
 * keys. {@code /actuator/permits/{name}} shows one (404 if there is none). A semaphore whose
 * backend cannot be read shows the error instead.
 */
@Endpoint(id = "permits")
public class PermitsEndpoint {

  /** How many of a keyed semaphore's busiest keys are shown. */
  static final int BUSIEST_KEYS = 10;

  private final ListableBeanFactory beans;

  /**
   * Creates the endpoint.
   *
   * @param beans where the semaphores are found
   */
  public PermitsEndpoint(ListableBeanFactory beans) {
    this.beans = beans;
  }

  /**
   * Every semaphore.
   *
   * @return the semaphores by name
   */
  @ReadOperation
  public SemaphoresDescriptor semaphores() {
    Map<String, SemaphoreDescriptor> all = new TreeMap<>();
    beans.getBeansOfType(Semaphore.class).forEach((name, s) -> all.put(name, describe(s)));
    beans.getBeansOfType(KeyedSemaphore.class).forEach((name, k) -> all.put(name, describe(k)));
    return new SemaphoresDescriptor(all);
  }

  /**
   * One semaphore.
   *
   * @param name its bean's name
   * @return what it holds, or null (404) if there is none of that name
   */
  @ReadOperation
  public @Nullable SemaphoreDescriptor semaphore(@Selector String name) {
    if (!beans.containsBean(name)) {
      return null;
    }
    Object bean = beans.getBean(name);
    if (bean instanceof KeyedSemaphore<?> keyed) {
      return describe(keyed);
    }
    return bean instanceof Semaphore semaphore ? describe(semaphore) : null;
  }

  private static SemaphoreDescriptor describe(Semaphore semaphore) {
    try {
      SemaphoreStats stats = semaphore.stats();
      return new PlainDescriptor(
          "semaphore",
          semaphore.getClass().getSimpleName(),
          stats.limit(),
          stats.available(),
          stats.held(),
          stats.waiting(),
          stats.grants(),
          stats.timeouts() + stats.rejections(),
          semaphore.holders().stream().map(PermitsEndpoint::holder).toList());
    } catch (RuntimeException unreadable) {
      return new ErrorDescriptor("error", String.valueOf(unreadable));
    }
  }

  private static SemaphoreDescriptor describe(KeyedSemaphore<?> keyed) {
    try {
      SemaphoreStats stats = keyed.stats();
      return new KeyedDescriptor(
          "keyed",
          keyed.perKeyLimit(),
          keyed.totalLimit().orElse(null),
          stats.available(),
          stats.held(),
          stats.waiting(),
          keyed.keysInUse(),
          stats.grants(),
          stats.timeouts() + stats.rejections(),
          keyed.busiestKeys(BUSIEST_KEYS).stream().map(PermitsEndpoint::load).toList());
    } catch (RuntimeException unreadable) {
      return new ErrorDescriptor("error", String.valueOf(unreadable));
    }
  }

  private static HolderDescriptor holder(PermitHolder holder) {
    HolderProcess process = holder.process();
    return new HolderDescriptor(
        holder.permits(),
        holder.thread(),
        holder.since().toString(),
        process == null
            ? null
            : process.pid() + "@" + process.host()
                + process.command().map(c -> " " + c).orElse(""));
  }

  private static KeyDescriptor load(KeyLoad<?> load) {
    return new KeyDescriptor(String.valueOf(load.key()), load.held(), load.waiting());
  }

  /**
   * Every semaphore, by name.
   *
   * @param semaphores the semaphores
   */
  public record SemaphoresDescriptor(Map<String, SemaphoreDescriptor> semaphores) {}

  /** One semaphore's description: {@link PlainDescriptor}, {@link KeyedDescriptor} or an error. */
  public sealed interface SemaphoreDescriptor
      permits PlainDescriptor, KeyedDescriptor, ErrorDescriptor {}

  /**
   * A semaphore without keys.
   *
   * @param type {@code "semaphore"}
   * @param implementation its class ({@code LocalSemaphore}, {@code FileSemaphore}, {@code
   *     RedisSemaphore})
   * @param limit its limit
   * @param available the permits free now
   * @param held the permits held now
   * @param waiting the requests queued now
   * @param grants the requests granted since it was made (by this process)
   * @param rejections the requests that found no permit in time (timeouts and rejections)
   * @param holders who holds its permits (an in-process semaphore with {@code track-holders}, or
   *     any process's, for the file and Redis backends)
   */
  public record PlainDescriptor(
      String type,
      String implementation,
      int limit,
      int available,
      int held,
      int waiting,
      long grants,
      long rejections,
      List<HolderDescriptor> holders)
      implements SemaphoreDescriptor {}

  /**
   * A keyed semaphore, as a whole.
   *
   * @param type {@code "keyed"}
   * @param perKeyLimit the per-key limit
   * @param totalLimit the total limit, or null if none
   * @param available the permits free now (of the total; without one, of the keys in use)
   * @param held the permits held now, over all keys
   * @param waiting the requests queued now, over all keys
   * @param keysInUse the keys with holders or waiters
   * @param grants the requests granted since it was made (by this process)
   * @param rejections the requests that found no permit in time
   * @param busiestKeys the keys that hold the most, busiest first (at most 10)
   */
  public record KeyedDescriptor(
      String type,
      int perKeyLimit,
      @Nullable Integer totalLimit,
      int available,
      int held,
      int waiting,
      int keysInUse,
      long grants,
      long rejections,
      List<KeyDescriptor> busiestKeys)
      implements SemaphoreDescriptor {}

  /**
   * A semaphore that could not be read (its backend is down, say).
   *
   * @param type {@code "error"}
   * @param error the failure
   */
  public record ErrorDescriptor(String type, String error) implements SemaphoreDescriptor {}

  /**
   * One holder.
   *
   * @param permits its weight
   * @param thread the thread that took it (for Redis, the lease's id)
   * @param since when, by the wall clock
   * @param process {@code pid@host command} for a shared semaphore's holder, or null
   */
  public record HolderDescriptor(
      int permits, String thread, String since, @Nullable String process) {}

  /**
   * One key's load.
   *
   * @param key the key
   * @param held the permits it holds
   * @param waiting its waiting requests
   */
  public record KeyDescriptor(String key, int held, int waiting) {}
}
