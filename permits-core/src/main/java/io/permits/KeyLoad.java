package io.permits;

/**
 * One key's use of a {@link KeyedSemaphore} at one moment, from {@link
 * KeyedSemaphore#busiestKeys(int)}.
 *
 * @param key the key
 * @param held the permits held for the key
 * @param waiting the requests for the key that wait (for the key's permits or the total's)
 * @param <K> the key type
 */
public record KeyLoad<K>(K key, int held, int waiting) {}
