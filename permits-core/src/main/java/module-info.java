/**
 * permits-core: counting semaphores whose permits are objects closed in try-with-resources.
 *
 * <p>The module exports {@code io.permits} (and {@code io.permits.backend}, support for the
 * file, Redis and PostgreSQL backends, to their modules only) and has no runtime dependency
 * beyond the JDK: {@code jdk.jfr} for its flight-recorder events (part of every JDK; a {@code
 * jlink} image must include it). JSpecify nullness annotations are read at compile time ({@code
 * requires static}).
 */
@SuppressWarnings("module") // the backends are automatic modules, unknown when core compiles
module io.permits {
  requires static transitive org.jspecify;
  requires jdk.jfr;

  exports io.permits;
  // support for the backends, not for applications (the backends' jars name these modules)
  exports io.permits.backend to
      io.permits.file,
      io.permits.postgres,
      io.permits.redis;
}
