/**
 * Support for backend implementations of {@link io.permits.Semaphore} (the file, Redis and
 * PostgreSQL semaphores); not for applications.
 */
@NullMarked
package io.permits.backend;

import org.jspecify.annotations.NullMarked;
