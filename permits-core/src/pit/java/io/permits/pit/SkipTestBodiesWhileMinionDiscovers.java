package io.permits.pit;

import java.lang.reflect.Method;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.InvocationInterceptor;
import org.junit.jupiter.api.extension.ReflectiveInvocationContext;

/**
 * Under PIT only (the {@code mutation} profile adds this class and registers it through
 * {@code META-INF/services}): skips the bodies of tests and of their before/after methods while a
 * mutation minion <em>discovers</em> its tests, and only then.
 *
 * <p>pitest-junit5-plugin finds the tests of a class by running them: every minion JVM, at its
 * start and at each restart after a timed-out mutant, first ran every test class that covers the
 * mutants it was given, unmutated, for nothing but their names (about 20 s for {@code
 * LocalSync}). The test names and the unique ids PIT matches coverage by come from JUnit's
 * {@code executionStarted} events, which happen before the body would run, so a skipped body
 * changes nothing PIT sees. The coverage minion (which records what each test covers, and must
 * run them) and the runs of the tests against a mutant are left alone. Should a PIT version
 * rename the classes looked for here, nothing is skipped: the run is slower, never wrong.
 */
public final class SkipTestBodiesWhileMinionDiscovers implements InvocationInterceptor {

  private static final String MINION = "org.pitest.mutationtest.execute.MutationTestMinion";
  private static final String FINDER = "org.pitest.junit5.JUnit5TestUnitFinder";

  /** Created by JUnit's extension auto-detection. */
  public SkipTestBodiesWhileMinionDiscovers() {}

  @Override
  public void interceptTestMethod(
      Invocation<Void> invocation,
      ReflectiveInvocationContext<Method> invocationContext,
      ExtensionContext extensionContext)
      throws Throwable {
    proceedUnlessDiscovering(invocation);
  }

  @Override
  public void interceptTestTemplateMethod(
      Invocation<Void> invocation,
      ReflectiveInvocationContext<Method> invocationContext,
      ExtensionContext extensionContext)
      throws Throwable {
    proceedUnlessDiscovering(invocation);
  }

  @Override
  public void interceptBeforeEachMethod(
      Invocation<Void> invocation,
      ReflectiveInvocationContext<Method> invocationContext,
      ExtensionContext extensionContext)
      throws Throwable {
    proceedUnlessDiscovering(invocation);
  }

  @Override
  public void interceptAfterEachMethod(
      Invocation<Void> invocation,
      ReflectiveInvocationContext<Method> invocationContext,
      ExtensionContext extensionContext)
      throws Throwable {
    proceedUnlessDiscovering(invocation);
  }

  private static void proceedUnlessDiscovering(Invocation<Void> invocation) throws Throwable {
    if (minionDiscovering()) {
      invocation.skip();
    } else {
      invocation.proceed();
    }
  }

  private static boolean minionDiscovering() {
    Set<String> callers =
        StackWalker.getInstance()
            .walk(frames -> frames.map(StackWalker.StackFrame::getClassName).collect(Collectors.toSet()));
    return callers.contains(MINION) && callers.contains(FINDER);
  }
}
