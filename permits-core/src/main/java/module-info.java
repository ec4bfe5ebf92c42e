/**
 * permits-core: counting semaphores whose permits are objects closed in try-with-resources.
 *
 * <p>The module exports {@code io.permits} only and has no runtime dependency. JSpecify
 * nullness annotations are read at compile time ({@code requires static}).
 */
module io.permits {
  requires static transitive org.jspecify;

  exports io.permits;
}
