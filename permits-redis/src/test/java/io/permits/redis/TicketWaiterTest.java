package io.permits.redis;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The wake message's parsing, and a grant that comes before the waiting thread binds. */
class TicketWaiterTest {

  @Test
  void aMessageNamesTheTicketAndItsToken() {
    assertThat(TicketWaiter.ticketOf("client-1:17 42")).isEqualTo("client-1:17");
    assertThat(TicketWaiter.tokenOf("client-1:17 42")).isEqualTo(42);
  }

  @Test
  void aMessageWithoutAValidTokenOnlyWakes() {
    assertThat(TicketWaiter.ticketOf("client-1:17")).isEqualTo("client-1:17");
    assertThat(TicketWaiter.tokenOf("client-1:17")).isZero();
    assertThat(TicketWaiter.tokenOf("client-1:17 x")).isZero();
  }

  @Test
  void aGrantBeforeTheThreadBindsIsKeptAndTheFirstTokenWins() {
    TicketWaiter waiter = new TicketWaiter();
    waiter.granted(7); // no thread yet: nothing to unpark, the token is kept
    waiter.granted(9);
    waiter.bind(Thread.currentThread());
    assertThat(waiter.token()).isEqualTo(7);
  }
}
