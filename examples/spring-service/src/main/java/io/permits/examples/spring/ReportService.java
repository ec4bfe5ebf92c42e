package io.permits.examples.spring;

import io.permits.spring.Permits;
import org.springframework.stereotype.Service;

/** Builds reports from the downstream, at most {@code per-key-limit} at once per tenant. */
@Service
public class ReportService {

  private final Downstream downstream;

  /**
   * Creates the service.
   *
   * @param downstream the slow call
   */
  public ReportService(Downstream downstream) {
    this.downstream = downstream;
  }

  /**
   * A tenant's report, holding one of the tenant's permits of semaphore {@code reports} while the
   * downstream works; waits at most the semaphore's {@code max-wait}, else throws {@link
   * io.permits.spring.PermitRejectedException} (answered 429).
   *
   * @param tenant the tenant, the key
   * @return the report
   * @throws InterruptedException if interrupted while waiting for the downstream
   */
  @Permits(value = "reports", key = "#tenant")
  public Report report(String tenant) throws InterruptedException {
    return new Report(tenant, downstream.fetch(tenant));
  }

  /**
   * A report.
   *
   * @param tenant whose
   * @param body what the downstream said
   */
  public record Report(String tenant, String body) {}
}
