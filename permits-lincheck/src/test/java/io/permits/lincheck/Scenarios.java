package io.permits.lincheck;

import java.lang.reflect.Method;
import java.util.Arrays;
import java.util.List;
import org.jetbrains.kotlinx.lincheck.Actor;
import org.jetbrains.kotlinx.lincheck.execution.ExecutionScenario;

/**
 * Builds Lincheck custom scenarios from Java (Lincheck's scenario DSL is Kotlin-only): a fixed
 * initial part, parallel threads and a final part, each a list of operations of a harness class.
 * Lincheck checks them in every run besides its random scenarios, so the shapes that matter most
 * (a release racing a queued head, a cancel racing a grant, a shrink or close racing both) are
 * explored whatever the random generator happens to pick.
 *
 * <p>Thread numbers in the arguments follow {@link org.jetbrains.lincheck.datastructures.ThreadIdGen}:
 * 0 in the initial part, 1..t in the parallel threads, t+1 in the final part.
 */
final class Scenarios {
  private final Class<?> harness;

  Scenarios(Class<?> harness) {
    this.harness = harness;
  }

  /**
   * One operation: the public harness method of that name, with these arguments. It need not
   * be an {@code @Operation}: a custom scenario may use a method that random scenarios must not.
   */
  Actor op(String name, Object... arguments) {
    for (Method method : harness.getMethods()) {
      if (method.getName().equals(name) && method.getParameterCount() == arguments.length) {
        return new Actor(method, Arrays.asList(arguments));
      }
    }
    throw new IllegalArgumentException(
        "no operation " + name + " with " + arguments.length + " arguments in " + harness);
  }

  /**
   * Shapes for every harness (no waiting requests), with the limit at 2. Thread numbers: 0 in
   * the initial part, 1 and 2 in parallel, 3 in the final part.
   */
  List<ExecutionScenario> counterShapes() {
    return List.of(
        // the same permit closed by two threads at once is released once
        scenario(
            part(op("tryAcquire", 0, 1)),
            part(op("tryAcquire", 3, 2), op("tryAcquire", 3, 1)),
            part(op("releaseShared", 0)),
            part(op("releaseShared", 0))),
        // a grow races a request that only the grown limit allows
        scenario(
            part(),
            part(op("tryAcquire", 3, 1)),
            part(op("setLimit", 3)),
            part(op("tryAcquire", 2, 3))),
        // a shrink races a request that only the old limit allows
        scenario(
            part(),
            part(op("waiting")),
            part(op("setLimit", 1)),
            part(op("tryAcquire", 2, 2))),
        // a close races a request and a release
        scenario(
            part(op("tryAcquire", 0, 1)),
            part(op("waiting")),
            part(op("close")),
            part(op("tryAcquire", 2, 1), op("releaseShared", 0))));
  }

  /**
   * Shapes with waiting requests, for {@link QueueHarness} and the STRICT model, limit 2: the
   * hand-off of a release to a queued head, the abandon path, shrink and close against both.
   */
  List<ExecutionScenario> queueShapes() {
    return List.of(
        // a release hands both permits to the queued head while a newcomer asks for one
        scenario(
            part(op("tryAcquire", 0, 2), op("acquireAsync", 0, 2)),
            part(op("tryAcquire", 3, 1), op("waiting")),
            part(op("releaseShared", 0)),
            part(op("tryAcquire", 2, 1), op("cancelShared", 0))),
        // a grant is decided under the lock and the future completed after it: a cancel that
        // comes after the request has left the queue must get the grant
        scenario(
            part(op("tryAcquire", 0, 2), op("acquireAsync", 0, 2)),
            part(op("tryAcquire", 3, 2)),
            part(op("releaseShared", 0)),
            part(op("waiting"), op("cancelShared", 0))),
        // cpython#90155: the head holds one of its two permits; cancelling it passes that one on
        scenario(
            part(
                op("tryAcquire", 0, 1),
                op("tryAcquire", 0, 1),
                op("acquireAsync", 0, 2),
                op("acquireAsync", 0, 1)),
            part(op("cancelShared", 1), op("waiting")),
            part(op("releaseShared", 0)),
            part(op("cancelShared", 0))),
        // golang/go#37852: removing the head re-runs grants for the one behind it; two threads
        // cancel while a third releases
        scenario(
            part(op("tryAcquire", 0, 2), op("acquireAsync", 0, 2), op("acquireAsync", 0, 1)),
            part(op("waiting"), op("tryAcquire", 4, 2)),
            part(op("releaseShared", 0)),
            part(op("cancelShared", 0)),
            part(op("cancelShared", 1))),
        // a shrink fails the queued head that no longer fits, while a release comes in
        scenario(
            part(op("tryAcquire", 0, 1), op("acquireAsync", 0, 2), op("acquireAsync", 0, 1)),
            part(op("cancelShared", 0), op("cancelShared", 1)),
            part(op("setLimit", 1)),
            part(op("releaseShared", 0))),
        // close, a release and a cancel race for the same queued requests: a close that finds
        // the queue already granted must not let the cancel undo the grant
        scenario(
            part(op("tryAcquire", 0, 2), op("acquireAsync", 0, 1), op("acquireAsync", 0, 1)),
            part(op("cancelShared", 1), op("waiting")),
            part(op("close")),
            part(op("releaseShared", 0)),
            part(op("cancelShared", 0))),
        // a grow hands the new permit to the queue, not to a newcomer
        scenario(
            part(op("tryAcquire", 0, 2), op("acquireAsync", 0, 1), op("acquireAsync", 0, 2)),
            part(op("cancelShared", 0), op("cancelShared", 1)),
            part(op("setLimit", 3)),
            part(op("acquireAsync", 2, 1), op("cancel", 2, 0))));
  }

  static List<Actor> part(Actor... actors) {
    return List.of(actors);
  }

  @SafeVarargs
  static ExecutionScenario scenario(List<Actor> init, List<Actor> post, List<Actor>... threads) {
    return new ExecutionScenario(init, List.of(threads), post, null);
  }
}
