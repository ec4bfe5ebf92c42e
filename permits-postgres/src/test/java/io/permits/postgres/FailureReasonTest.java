package io.permits.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import io.permits.postgres.PostgresSemaphoreException.Reason;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import org.junit.jupiter.api.Test;

/** Which {@link Reason} each failure of the driver or pool is, by its SQLSTATE. */
class FailureReasonTest {

  private static SQLException state(String state) {
    return new SQLException("failed", state);
  }

  @Test
  void aLostOrRefusedConnectionIsUnreachable() {
    assertThat(Reason.of(state("08001"))).isEqualTo(Reason.UNREACHABLE);
    assertThat(Reason.of(state("57P01"))).isEqualTo(Reason.UNREACHABLE); // admin shutdown
    assertThat(Reason.of(new SQLTransientConnectionException("pool timed out")))
        .isEqualTo(Reason.UNREACHABLE);
  }

  @Test
  void aRefusedLoginOrAMissingPrivilegeIsDenied() {
    assertThat(Reason.of(state("28P01"))).isEqualTo(Reason.DENIED); // password
    assertThat(Reason.of(state("28000"))).isEqualTo(Reason.DENIED); // pg_hba.conf
    assertThat(Reason.of(state("42501"))).isEqualTo(Reason.DENIED);
    SQLException poolOverRefusedLogin =
        new SQLTransientConnectionException("pool timed out", "08000", state("28P01"));
    assertThat(Reason.of(poolOverRefusedLogin)).isEqualTo(Reason.DENIED);
  }

  @Test
  void missingTablesOrFunctionsAreTheSchema() {
    assertThat(Reason.of(state("42883"))).isEqualTo(Reason.SCHEMA);
    assertThat(Reason.of(state("42P01"))).isEqualTo(Reason.SCHEMA);
    assertThat(Reason.of(state("3F000"))).isEqualTo(Reason.SCHEMA);
  }

  @Test
  void aStatementTimeoutOrNoStateIsOther() {
    assertThat(Reason.of(state("57014"))).isEqualTo(Reason.OTHER);
    assertThat(Reason.of(new SQLException("no state"))).isEqualTo(Reason.OTHER);
  }

  @Test
  void theExceptionTakesItsCausesReasonAndAWrappedOnesToo() {
    PostgresSemaphoreException denied = Calls.failure("s", "acquire", "permits", state("42501"));
    assertThat(denied.reason()).isEqualTo(Reason.DENIED);
    assertThat(new PostgresSemaphoreException("again", denied).reason()).isEqualTo(Reason.DENIED);
    assertThat(new PostgresSemaphoreException("no cause").reason()).isEqualTo(Reason.OTHER);
  }
}
