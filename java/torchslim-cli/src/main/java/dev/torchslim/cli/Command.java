package dev.torchslim.cli;

/** One subcommand of ./torchslim. */
public interface Command {
    /**
     * The name the command is invoked by, e.g. "prune".
     *
     * @return the command name
     */
    String name();

    /**
     * One or more lines: synopsis and options.
     *
     * @return the usage text printed by {@code --help}
     */
    String usage();

    /**
     * Runs with the arguments after the command name; returns the exit status.
     *
     * @param args the arguments after the command name
     * @return 0 on success, 1 when refused or failed, 2 for a usage error
     * @throws Exception when the command fails in a way it does not report itself
     */
    int run(String[] args) throws Exception;
}
