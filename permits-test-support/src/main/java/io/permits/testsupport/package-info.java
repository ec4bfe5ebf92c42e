/**
 * Fixtures for the modules' own tests, used with test scope: {@link
 * io.permits.testsupport.ForkedJvm} starts another JVM on the test's class path (for holders
 * killed with {@code kill -9}, stopped and continued, or in a session of their own), {@link
 * io.permits.testsupport.RedisServer} starts a redis-server of the test's own on a free port, and
 * {@link io.permits.testsupport.PostgresServer} a PostgreSQL server of the test's own.
 *
 * <p>They are not part of the TCK: a backend passes the contract ({@code io.permits.tck}) without
 * them. This module needs nothing beyond the JDK.
 */
package io.permits.testsupport;
