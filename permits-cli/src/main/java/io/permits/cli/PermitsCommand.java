package io.permits.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * The top-level {@code permits} command. It does nothing by itself: it holds the standard
 * {@code --help} and {@code --version} options, which its subcommands inherit, and one
 * subcommand per job, each in its own small class ({@link DemoCommand}, {@link RunCommand},
 * {@link StatusCommand}).
 *
 * <p>Use {@link #newCommandLine()} to get a ready {@link CommandLine}, as {@link Main} and the
 * tests do:
 *
 * <pre> {@code
 * int exitCode = PermitsCommand.newCommandLine().execute("demo", "pool", "--hold", "100ms");
 * }</pre>
 *
 * <p>Exit codes are picocli's: 0 on success, 2 for a usage error (an unknown subcommand or
 * option, a bad value; the message and the usage go to standard error), 1 when a command
 * throws.
 */
@Command(
    name = "permits",
    mixinStandardHelpOptions = true,
    versionProvider = VersionProvider.class,
    exitCodeOnInvalidInput = CommandLine.ExitCode.USAGE,
    scope = CommandLine.ScopeType.INHERIT,
    sortOptions = false,
    usageHelpAutoWidth = true,
    description = "Counting semaphores from the command line.",
    synopsisSubcommandLabel = "COMMAND",
    subcommands = {
      DemoCommand.class,
      RunCommand.class,
      StatusCommand.class,
      CommandLine.HelpCommand.class
    })
public final class PermitsCommand implements Runnable {

  /** This command as picocli sees it, for the usage error. */
  @Spec CommandSpec spec;

  /** Creates the command; picocli calls this, through {@link #newCommandLine()}. */
  public PermitsCommand() {}

  /**
   * Builds the command line for {@code permits} and its subcommands, with the settings every
   * caller should share.
   *
   * @return a new command line; call {@link CommandLine#execute(String...)} on it
   */
  public static CommandLine newCommandLine() {
    return new CommandLine(new PermitsCommand());
  }

  /**
   * Runs when no subcommand is given: that is a usage error (exit code 2, usage on standard
   * error).
   *
   * @throws ParameterException always
   */
  @Override
  public void run() {
    throw new ParameterException(spec.commandLine(), "Missing required subcommand");
  }
}
