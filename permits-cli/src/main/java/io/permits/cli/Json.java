package io.permits.cli;

import io.permits.HolderProcess;
import io.permits.PermitHolder;
import java.util.List;

/** The JSON of {@code permits status --json}: written by hand (no dependency for six fields). */
final class Json {

  private Json() {}

  /**
   * An array with one object per semaphore: {@code name}, {@code limit}, {@code held}, {@code
   * waiting}, and arrays {@code holders} and {@code waiters} of {@code {pid, host, permits,
   * since, thread, command}} ({@code since} in ISO-8601, UTC).
   */
  static String of(List<Backend.Status> states) {
    StringBuilder json = new StringBuilder("[");
    for (int i = 0; i < states.size(); i++) {
      Backend.Status state = states.get(i);
      json.append(i == 0 ? "" : ",")
          .append("{\"name\":")
          .append(string(state.name()))
          .append(",\"limit\":")
          .append(state.limit())
          .append(",\"held\":")
          .append(state.held())
          .append(",\"waiting\":")
          .append(state.waiters().size())
          .append(",\"holders\":");
      entries(json, state.holders());
      json.append(",\"waiters\":");
      entries(json, state.waiters());
      json.append('}');
    }
    return json.append(']').toString();
  }

  private static void entries(StringBuilder json, List<PermitHolder> entries) {
    json.append('[');
    for (int i = 0; i < entries.size(); i++) {
      PermitHolder entry = entries.get(i);
      HolderProcess process = entry.process();
      json.append(i == 0 ? "" : ",").append("{\"pid\":");
      json.append(process == null ? "null" : Long.toString(process.pid()));
      json.append(",\"host\":").append(process == null ? "null" : string(process.host()));
      json.append(",\"permits\":").append(entry.permits());
      json.append(",\"since\":").append(string(entry.since().toString()));
      json.append(",\"thread\":").append(string(entry.thread()));
      json.append(",\"command\":");
      json.append(
          process == null || process.command().isEmpty()
              ? "null"
              : string(process.command().get()));
      json.append('}');
    }
    json.append(']');
  }

  static String string(String value) {
    StringBuilder text = new StringBuilder("\"");
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      switch (c) {
        case '"' -> text.append("\\\"");
        case '\\' -> text.append("\\\\");
        case '\n' -> text.append("\\n");
        case '\r' -> text.append("\\r");
        case '\t' -> text.append("\\t");
        default -> {
          if (c < 0x20) {
            text.append(String.format("\\u%04x", (int) c));
          } else {
            text.append(c);
          }
        }
      }
    }
    return text.append('"').toString();
  }
}
