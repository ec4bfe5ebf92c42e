package io.permits.lincheck;

import java.util.List;
import org.jetbrains.kotlinx.lincheck.execution.ExecutionScenario;
import org.jetbrains.lincheck.datastructures.ModelCheckingOptions;
import org.jetbrains.lincheck.datastructures.StressOptions;

/**
 * The Lincheck settings every test class uses, sized so that the module's whole run stays
 * within a few minutes on two cores. Model checking comes first: it explores thread switches
 * at every shared read and write deterministically and prints the interleaving that fails.
 * Stress runs the same scenarios on real threads, where the JIT, real time and real memory
 * ordering take part.
 *
 * <p>Each setting can be raised from the command line for a longer hunt, e.g. {@code bin/mvn -B
 * verify -pl permits-lincheck -am -Dlincheck.iterations=300 -Dlincheck.invocations=5000}.
 */
final class Runs {
  private Runs() {}

  /** Random scenarios per test, besides the custom ones. */
  static final int ITERATIONS = Integer.getInteger("lincheck.iterations", 30);

  /** Interleavings (model checking) or runs (stress) per scenario. */
  static final int INVOCATIONS = Integer.getInteger("lincheck.invocations", 1_000);

  static void modelCheck(
      Class<?> test, Class<? extends SemaphoreModel> model, List<ExecutionScenario> custom) {
    ModelCheckingOptions options =
        new ModelCheckingOptions()
            .iterations(ITERATIONS)
            .invocationsPerIteration(INVOCATIONS)
            .threads(2)
            .actorsPerThread(3)
            .actorsBefore(3)
            .actorsAfter(2)
            .sequentialSpecification(model);
    custom.forEach(options::addCustomScenario);
    options.check(test);
  }

  static void stress(
      Class<?> test, Class<? extends SemaphoreModel> model, List<ExecutionScenario> custom) {
    StressOptions options =
        new StressOptions()
            .iterations(ITERATIONS)
            .invocationsPerIteration(INVOCATIONS * 2)
            .threads(3)
            .actorsPerThread(3)
            .actorsBefore(3)
            .actorsAfter(2)
            .sequentialSpecification(model);
    custom.forEach(options::addCustomScenario);
    options.check(test);
  }
}
