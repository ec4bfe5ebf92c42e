package io.permits.redis;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * The wake message's parsing, a grant that comes before the waiting thread binds, and a late
 * message about an earlier grant of a reused id.
 */
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
    TicketWaiter waiter = new TicketWaiter(0);
    waiter.granted(7); // no thread yet: nothing to unpark, the token is kept
    waiter.granted(9);
    waiter.bind(Thread.currentThread());
    assertThat(waiter.token()).isEqualTo(7);
  }

  @Test
  void aMessageAboutAnEarlierGrantOfAReusedIdIsIgnored() {
    // a hand-over reuses the id of a lease with token 40: a late message of that id's earlier
    // grant (token 40 or lower) must not pass for the grant the hand-over waits for
    TicketWaiter waiter = new TicketWaiter(40);
    waiter.granted(38);
    waiter.granted(40);
    assertThat(waiter.token()).isZero();
    waiter.granted(41);
    assertThat(waiter.token()).isEqualTo(41);
  }
}
