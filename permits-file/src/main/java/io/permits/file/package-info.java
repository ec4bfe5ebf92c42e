/**
 * {@link io.permits.file.FileSemaphore}: a semaphore shared by the processes of one host, held
 * through operating-system file locks so that a holder that dies gives its permits back at once.
 */
@NullMarked
package io.permits.file;

import org.jspecify.annotations.NullMarked;
