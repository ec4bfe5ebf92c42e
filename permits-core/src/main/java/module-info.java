/**
 * permits-core: counting semaphores whose permits are objects closed in try-with-resources.
 *
 * <p>The module exports {@code io.permits} (and {@code io.permits.backend}, support for backend
 * implementations) and has no runtime dependency beyond the JDK:
 * {@code jdk.jfr} for its flight-recorder events (part of every JDK; a {@code jlink} image must
 * include it). JSpecify nullness annotations are read at compile time ({@code requires static}).
 */
module io.permits {
  requires static transitive org.jspecify;
  requires jdk.jfr;

  exports io.permits;
  exports io.permits.backend;
}
