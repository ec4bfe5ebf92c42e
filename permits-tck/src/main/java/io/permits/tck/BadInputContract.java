package io.permits.tck;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.permits.Semaphore;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Impossible requests fail at once (rule 6): a permit count below one or above the limit, a
 * negative timeout, a null; with {@link IllegalArgumentException} or {@link
 * NullPointerException} whose message names the bad value, and without touching the
 * semaphore's state.
 */
public interface BadInputContract extends BackendUnderTest {

  /**
   * A permit count below one fails at once, naming the count.
   *
   * @param kind the request method
   */
  @ParameterizedTest(name = "{0}")
  @EnumSource(RequestKind.class)
  default void aPermitCountBelowOneFailsAtOnce(RequestKind kind) {
    Semaphore semaphore = semaphore(3);
    for (int permits : new int[] {0, -1, Integer.MIN_VALUE}) {
      assertThatThrownBy(() -> kind.request(semaphore, permits))
          .as("%s(%d)", kind, permits)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining(String.valueOf(permits));
    }
    assertUntouched(semaphore);
  }

  /**
   * A permit count above the limit fails at once, naming the count, even with every permit
   * free: it could never be granted.
   *
   * @param kind the request method
   */
  @ParameterizedTest(name = "{0}")
  @EnumSource(RequestKind.class)
  default void aPermitCountAboveTheLimitFailsAtOnce(RequestKind kind) {
    Semaphore semaphore = semaphore(3);
    for (int permits : new int[] {4, Integer.MAX_VALUE}) {
      assertThatThrownBy(() -> kind.request(semaphore, permits))
          .as("%s(%d)", kind, permits)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining(String.valueOf(permits));
    }
    assertUntouched(semaphore);
  }

  /**
   * A request for exactly the limit is valid (the bound is inclusive).
   *
   * @param kind the request method
   * @throws Exception if the backend throws where the contract says it must not
   */
  @ParameterizedTest(name = "{0}")
  @EnumSource(RequestKind.class)
  default void aRequestForExactlyTheLimitIsValid(RequestKind kind) throws Exception {
    Semaphore semaphore = semaphore(3);
    Object whole = kind.request(semaphore, 3);
    assertThat(whole).isNotNull();
    Await.state(semaphore, 0, 0);
    assertThat(semaphore.stats().held()).isEqualTo(3);
    // the conservation check closes the permit, whichever form it came in
  }

  /** A negative timeout fails at once with a message naming it. */
  @Test
  default void aNegativeTimeoutFailsAtOnce() {
    Semaphore semaphore = semaphore(2);
    Duration negative = Duration.ofMillis(-1);
    String named = negative.toString();

    assertThatThrownBy(() -> semaphore.tryAcquire(negative))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(named);
    assertThatThrownBy(() -> semaphore.tryAcquire(2, negative))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(named);
    assertThatThrownBy(() -> semaphore.call(negative, () -> "never"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(named);
    assertThatThrownBy(() -> semaphore.run(negative, () -> {}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(named);
    assertUntouched(semaphore);
  }

  /** A null timeout fails at once with {@link NullPointerException}. */
  @Test
  default void aNullTimeoutFailsAtOnce() {
    Semaphore semaphore = semaphore(2);
    assertThatThrownBy(() -> semaphore.tryAcquire((Duration) nullValue()))
        .isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> semaphore.tryAcquire(1, nullValue()))
        .isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> semaphore.call(nullValue(), () -> "never"))
        .isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> semaphore.run(nullValue(), () -> {}))
        .isInstanceOf(NullPointerException.class);
    assertUntouched(semaphore);
  }

  /** A null task fails at once with {@link NullPointerException}, taking no permit. */
  @Test
  default void aNullTaskFailsAtOnce() {
    Semaphore semaphore = semaphore(2);
    assertThatThrownBy(() -> semaphore.call(Await.LONG, nullValue()))
        .isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> semaphore.run(Await.LONG, nullValue()))
        .isInstanceOf(NullPointerException.class);
    assertUntouched(semaphore);
  }

  /**
   * A bad request fails at once even while others wait, and disturbs no waiter.
   *
   * @throws Exception if the backend throws where the contract says it must not
   */
  @Test
  default void aBadRequestFailsAtOnceWhileOthersWait() throws Exception {
    Semaphore semaphore = semaphore(2);
    var held = semaphore.acquire(2);
    Pending waiter = Pending.acquire(semaphore, 1);
    Await.waiting(semaphore, 1);

    assertThatThrownBy(() -> semaphore.acquire(3)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> semaphore.tryAcquire(0, Await.LONG))
        .isInstanceOf(IllegalArgumentException.class);

    assertThat(semaphore.waiting()).isEqualTo(1);
    held.close();
    assertThat(waiter.granted().isHeld()).isTrue();
  }

  private static void assertUntouched(Semaphore semaphore) {
    assertThat(semaphore.available()).as("free permits").isEqualTo(semaphore.limit());
    assertThat(semaphore.waiting()).as("queued requests").isZero();
    assertThat(semaphore.stats().grants()).as("grants").isZero();
  }

  // hands null to non-null parameters on purpose: the contract checks that they are refused
  @SuppressWarnings("NullAway")
  private static <T> T nullValue() {
    return null;
  }
}
