package io.permits.redis;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The wake message's parsing: "ticket token". */
class WakeMessageTest {

  @Test
  void aMessageNamesTheTicketAndItsToken() {
    assertThat(RemoteRequest.ticketOf("client-1:17 42")).isEqualTo("client-1:17");
    assertThat(RemoteRequest.tokenOf("client-1:17 42")).isEqualTo(42);
  }

  @Test
  void aMessageWithoutAValidTokenHasNone() {
    assertThat(RemoteRequest.ticketOf("client-1:17")).isEqualTo("client-1:17");
    assertThat(RemoteRequest.tokenOf("client-1:17")).isZero();
    assertThat(RemoteRequest.tokenOf("client-1:17 x")).isZero();
  }
}
