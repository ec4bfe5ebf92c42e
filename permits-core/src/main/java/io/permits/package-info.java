/**
 * Counting semaphores: a set of permits that threads (or tasks, or processes) acquire and
 * release to bound how many use a resource at once.
 *
 * <p>Start with {@link io.permits.Semaphore#of(int)} and close each {@link io.permits.Permit}
 * in a try-with-resources block. {@link io.permits.LocalSemaphore} is the in-process
 * implementation, {@link io.permits.BoundedExecutor} bounds a set of tasks. Every type in this
 * package is null-marked: no parameter or return value is null unless annotated.
 */
@NullMarked
package io.permits;

import org.jspecify.annotations.NullMarked;
