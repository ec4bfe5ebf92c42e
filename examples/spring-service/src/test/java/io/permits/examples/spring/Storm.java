package io.permits.examples.spring;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Fires requests for {@code /reports/{tenant}} at once: each on a virtual thread, all released by
 * one barrier; request {@code i} goes to tenant {@code i % tenants} on server {@code i % ports}.
 * {@code onTooMany} runs for each 429 as it arrives.
 */
final class Storm implements AutoCloseable {

  /** One request's answer and how long the client waited for it. */
  record Answer(String tenant, int port, int status, String retryAfter, String body, long nanos) {}

  private final HttpClient client =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .executor(Executors.newVirtualThreadPerTaskExecutor())
          .build();
  private final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
  private final List<Future<Answer>> answers = new ArrayList<>();

  Storm(List<Integer> ports, int requests, List<String> tenants, Runnable onTooMany) {
    CyclicBarrier start = new CyclicBarrier(requests);
    for (int i = 0; i < requests; i++) {
      String tenant = tenants.get(i % tenants.size());
      int port = ports.get(i % ports.size());
      HttpRequest request =
          HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/reports/" + tenant))
              .timeout(Duration.ofMinutes(1))
              .build();
      answers.add(
          threads.submit(
              () -> {
                start.await();
                long began = System.nanoTime();
                HttpResponse<String> response =
                    client.send(request, HttpResponse.BodyHandlers.ofString());
                long nanos = System.nanoTime() - began;
                if (response.statusCode() == 429) {
                  onTooMany.run();
                }
                return new Answer(
                    tenant,
                    port,
                    response.statusCode(),
                    response.headers().firstValue("Retry-After").orElse(""),
                    response.body(),
                    nanos);
              }));
    }
  }

  /** Every answer, once all have come. */
  List<Answer> answers() throws Exception {
    List<Answer> all = new ArrayList<>();
    for (Future<Answer> answer : answers) {
      all.add(answer.get());
    }
    return all;
  }

  @Override
  public void close() {
    threads.shutdownNow();
    client.close();
  }
}
