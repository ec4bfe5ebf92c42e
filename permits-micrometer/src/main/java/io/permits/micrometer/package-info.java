/** Micrometer metrics for permits semaphores: {@link io.permits.micrometer.PermitsMetrics}. */
@NullMarked
package io.permits.micrometer;

import org.jspecify.annotations.NullMarked;
