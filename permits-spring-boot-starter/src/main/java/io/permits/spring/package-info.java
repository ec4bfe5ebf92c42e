/**
 * Spring Boot auto-configuration for permits: semaphores declared under {@code
 * permits.semaphores.NAME.*}, each a bean of that name; {@link io.permits.spring.Permits} on bean
 * methods; HTTP 429 with {@code Retry-After} for a request that found no permit in time;
 * Micrometer gauges; the {@code permits} actuator endpoint; and a health contributor for the file,
 * Redis and PostgreSQL backends. See {@code docs/spring.md}.
 */
@NullMarked
package io.permits.spring;

import org.jspecify.annotations.NullMarked;
