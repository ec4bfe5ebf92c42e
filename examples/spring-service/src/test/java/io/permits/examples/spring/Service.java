package io.permits.examples.spring;

import com.jayway.jsonpath.JsonPath;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/** One running instance of the service, on a random port, and GETs of its JSON. */
final class Service implements AutoCloseable {

  final ConfigurableApplicationContext context;
  final int port;
  private final HttpClient client = HttpClient.newHttpClient();

  /** Starts an instance; {@code properties} win over application.properties (as arguments do). */
  Service(Map<String, Object> properties) {
    String[] args =
        properties.entrySet().stream().map(e -> "--" + e.getKey() + "=" + e.getValue())
            .toArray(String[]::new);
    context =
        new SpringApplicationBuilder(SpringServiceApplication.class)
            .properties(Map.of("server.port", "0", "spring.main.banner-mode", "off"))
            .run(args);
    port = Integer.parseInt(context.getEnvironment().getRequiredProperty("local.server.port"));
  }

  Downstream downstream() {
    return context.getBean(Downstream.class);
  }

  /** GETs {@code path} and reads {@code jsonPath} from its JSON body, which must be 200. */
  <T> T json(String path, String jsonPath) throws Exception {
    HttpResponse<String> response =
        client.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
            HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() != 200) {
      throw new AssertionError("GET " + path + ": " + response.statusCode() + " " + response.body());
    }
    return JsonPath.read(response.body(), jsonPath);
  }

  /** The value of a gauge, or one statistic of a meter, of the semaphore {@code reports}. */
  double metric(String meter, String statistic, String... tags) throws Exception {
    StringBuilder query = new StringBuilder("?tag=name:reports");
    for (String tag : tags) {
      query.append("&tag=").append(tag);
    }
    java.util.List<Number> values =
        json(
            "/actuator/metrics/" + meter + query,
            "$.measurements[?(@.statistic == '" + statistic + "')].value");
    if (values.size() != 1) {
      throw new AssertionError(meter + " has no single " + statistic + ": " + values);
    }
    return values.get(0).doubleValue();
  }

  @Override
  public void close() {
    context.close();
    client.close();
  }
}
