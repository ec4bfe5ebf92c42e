package io.permits.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.permits.tck.Await;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The batches of hand-over scripts ({@link GrantBatches}) with a sender that records each batch
 * and replies when the test says, and a timer that looks at lingering batches only when the test
 * lets it: one batch in flight, and the linger of the next one.
 */
@Timeout(60)
class GrantBatchesTest {

  /** One batch sent: its requests' ids and the future the test completes as its reply. */
  private record Sent(List<String> ids, CompletableFuture<List<Object>> reply) {}

  private final List<Sent> sent = new CopyOnWriteArrayList<>();
  private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
  private final GrantBatches batches =
      new GrantBatches(
          (idsAndPermits, releaseIds) -> {
            List<String> ids = new ArrayList<>();
            for (int i = 0; i < idsAndPermits.size(); i += 2) {
              ids.add(idsAndPermits.get(i));
            }
            CompletableFuture<List<Object>> reply = new CompletableFuture<>();
            sent.add(new Sent(ids, reply));
            return reply;
          },
          timer);

  /** Holds the timer's one thread: its looks at lingering batches wait until the test allows. */
  private final CountDownLatch timerAllowed = new CountDownLatch(1);

  @BeforeEach
  void holdTheTimer() {
    timer.execute(
        () -> {
          try {
            timerAllowed.await();
          } catch (InterruptedException stopped) {
            Thread.currentThread().interrupt();
          }
        });
  }

  @AfterEach
  void stopTimer() throws InterruptedException {
    timerAllowed.countDown();
    timer.shutdownNow();
    assertThat(timer.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
  }

  private static Handoffs.Pending grant(String id) {
    return new Handoffs.Pending(id, 1, 0, System.nanoTime(), new CompletableFuture<>());
  }

  /** A reply granting every request of the batch. */
  private static List<Object> granted(int requests) {
    List<Object> values = new ArrayList<>();
    for (int i = 0; i < requests; i++) {
      values.addAll(List.of(1L, 100L + i, 30_000L, 0L));
    }
    return values;
  }

  private void holdsTypically(long nanos) {
    for (int i = 0; i < 40; i++) {
      batches.leaseClosed(nanos); // nothing to send: only the average of holds moves
    }
  }

  @Test
  void aHandOverSubmittedWhileABatchIsInFlightGoesWithTheNextOne() {
    holdsTypically(TimeUnit.MILLISECONDS.toNanos(5));
    batches.submit(grant("a"), "a", 0);
    batches.submit(grant("b"), "b", 0);
    batches.submit(grant("c"), "c", 0);
    assertThat(sent).extracting(Sent::ids).containsExactly(List.of("a"));

    sent.get(0).reply().complete(granted(1)); // long holds: the next batch goes at once

    assertThat(sent).extracting(Sent::ids).containsExactly(List.of("a"), List.of("b", "c"));
  }

  @Test
  void afterAReplyTheNextBatchWaitsForAsManyClosesAsItGrantedWhenHoldsAreBrief() {
    holdsTypically(0);
    batches.submit(grant("a"), "a", 0);
    batches.submit(grant("b"), "b", 0);
    batches.submit(grant("c"), "c", 0);
    sent.get(0).reply().complete(granted(1)); // b and c linger for the holder a's grant woke

    assertThat(sent).hasSize(1);
    batches.submit(grant("d"), "d", 0); // that holder closes: its hand-over rides along

    assertThat(sent)
        .extracting(Sent::ids)
        .containsExactly(List.of("a"), List.of("b", "c", "d"));
  }

  @Test
  void aBatchWhoseAwaitedClosesDoNotComeIsSentByTheTimer() throws InterruptedException {
    holdsTypically(0);
    batches.submit(grant("a"), "a", 0);
    batches.submit(grant("b"), "b", 0);
    sent.get(0).reply().complete(granted(1)); // b lingers for a close that never comes
    assertThat(sent).hasSize(1);

    timerAllowed.countDown();
    Await.until(() -> sent.size() == 2, () -> "the lingering batch was never sent");
    assertThat(sent.get(1).ids()).containsExactly("b");
  }

  @Test
  void closingTheSemaphoreSendsALingeringBatchAtOnceAndEndsTheLinger() {
    holdsTypically(0);
    batches.submit(grant("a"), "a", 0);
    batches.submit(grant("b"), "b", 0);
    sent.get(0).reply().complete(granted(1));
    assertThat(sent).hasSize(1);

    batches.stopLingering();

    assertThat(sent).extracting(Sent::ids).containsExactly(List.of("a"), List.of("b"));
    batches.submit(grant("c"), "c", 0);
    sent.get(1).reply().complete(granted(1)); // no linger once closed: c goes at once
    assertThat(sent)
        .extracting(Sent::ids)
        .containsExactly(List.of("a"), List.of("b"), List.of("c"));
  }
}
