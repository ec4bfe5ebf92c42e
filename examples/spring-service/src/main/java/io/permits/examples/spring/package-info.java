/**
 * A small web service that limits a slow downstream call per tenant with {@link
 * io.permits.spring.Permits @Permits}: {@code GET /reports/{tenant}} calls {@link
 * io.permits.examples.spring.Downstream}, at most 2 at once per tenant (20 in all); a request that
 * waits longer than {@code max-wait} gets 429 with {@code Retry-After}. Set {@code
 * permits.semaphores.reports.backend=redis://HOST:PORT} and every instance shares the limit.
 */
@NullMarked
package io.permits.examples.spring;

import org.jspecify.annotations.NullMarked;
