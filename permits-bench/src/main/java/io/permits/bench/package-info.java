/**
 * Benchmarks of {@code io.permits.LocalSemaphore}, measured side by side with its peers: the JDK's
 * {@link java.util.concurrent.Semaphore} (non-fair and fair) and Resilience4j's {@code
 * SemaphoreBulkhead}.
 *
 * <p>Every peer is seen through {@link io.permits.bench.BenchSemaphore} and built by {@link
 * io.permits.bench.SemaphoreType}, which the JMH benchmarks take as a {@code @Param}, so each JMH
 * run measures all peers with the same settings. {@code bin/bench quick} (or {@code full}) runs
 * everything through {@link io.permits.bench.BenchMain} and writes one Markdown table with the
 * ratios against the JDK; {@code docs/benchmarks.md} explains the figures.
 */
package io.permits.bench;
