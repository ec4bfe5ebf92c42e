package io.permits;

import java.util.Objects;
import java.util.Optional;

/**
 * The operating-system process that holds (or waits for) a permit of a semaphore shared between
 * processes, as {@link PermitHolder#process()} reports it.
 *
 * @param pid the process id
 * @param host the host name the process runs on
 * @param command the command line, when the process made it known (a {@code permits run} holder
 *     records the command it runs); empty otherwise
 */
public record HolderProcess(long pid, String host, Optional<String> command) {

  /**
   * Checks the components.
   *
   * @throws NullPointerException if {@code host} or {@code command} is null
   */
  public HolderProcess {
    Objects.requireNonNull(host, "host");
    Objects.requireNonNull(command, "command");
  }
}
