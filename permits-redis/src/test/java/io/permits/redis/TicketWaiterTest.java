package io.permits.redis;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The wake message's parsing, and the token a waiter keeps. */
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
  void theFirstTokenDeliveredIsKept() {
    TicketWaiter waiter = new TicketWaiter(Thread.currentThread());
    assertThat(waiter.token()).isZero();
    waiter.granted(7);
    waiter.granted(9); // a message cannot name two grants of one id; if one did, the first wins
    assertThat(waiter.token()).isEqualTo(7);
  }
}
