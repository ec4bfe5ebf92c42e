/**
 * Support for backend implementations of {@link io.permits.Semaphore} (the file and Redis
 * semaphores); not for applications.
 */
@NullMarked
package io.permits.backend;

import org.jspecify.annotations.NullMarked;
