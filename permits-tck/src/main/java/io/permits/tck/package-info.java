/**
 * The permits TCK: the black-box contract every {@link io.permits.Semaphore} backend passes.
 *
 * <p>A backend author extends {@link io.permits.tck.SemaphoreContract} in the backend's own test
 * sources and implements one factory method; JUnit 5 then runs every test of the contract
 * against that backend:
 *
 * <pre> {@code
 * @DisplayName("RedisSemaphore")
 * class RedisSemaphoreContractTest extends SemaphoreContract {
 *   @Override
 *   protected Semaphore newSemaphore(String name, int limit) {
 *     return RedisSemaphore.builder(uri).name(name).limit(limit).build();
 *   }
 *
 *   @Override
 *   public boolean strictOrder() {
 *     return true; // the backend serves requests in arrival order
 *   }
 * }
 * }</pre>
 *
 * <p>The contract is cut into one interface per rule of the design ({@link
 * io.permits.tck.AcquireReleaseContract}, {@link io.permits.tck.AbandonContract}, ...), each a set
 * of default {@code @Test} methods over a {@link io.permits.tck.BackendUnderTest} (fresh
 * semaphores of the backend and what it promises). A test class may implement a subset of them
 * instead of extending {@code SemaphoreContract}, for a backend that is still growing. After every test, {@link io.permits.tck.ConservationCheck} closes
 * every permit the test's semaphores handed out and checks that all of them came back.
 *
 * <p>The helpers used by the contract ({@link io.permits.tck.Await}, {@link
 * io.permits.tck.Forked}, {@link io.permits.tck.Pending}) are public so that backend-specific
 * tests can be written the same way: no sleeps, no timing asserts, every thread joined.
 *
 * <p>Every type in this package is null-marked.
 */
@NullMarked
package io.permits.tck;

import org.jspecify.annotations.NullMarked;
