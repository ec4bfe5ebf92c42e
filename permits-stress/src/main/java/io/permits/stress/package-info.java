/**
 * The randomized stress driver of {@link io.permits.LocalSemaphore}, run by {@code bin/stress}:
 * {@link io.permits.stress.StressCommand} is the command line, {@link io.permits.stress.StressRun}
 * one run of one fairness mode (its implementation notes state what the checker checks and why
 * it cannot raise a false alarm), {@link io.permits.stress.ModeReport} what the run found.
 */
package io.permits.stress;
