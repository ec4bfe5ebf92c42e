package io.permits.examples.spring;

import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;

/** {@code GET /reports/{tenant}}: a tenant's report, or 429 when the tenant has 2 in progress. */
@RestController
public class ReportsController {

  private final ReportService reports;

  /**
   * Creates the controller.
   *
   * @param reports the limited service
   */
  public ReportsController(ReportService reports) {
    this.reports = reports;
  }

  /**
   * A tenant's report.
   *
   * @param tenant the tenant
   * @return the report
   * @throws InterruptedException if the server stops the request
   */
  @GetMapping("/reports/{tenant}")
  public ReportService.Report report(@PathVariable String tenant) throws InterruptedException {
    return reports.report(tenant);
  }
}
