package dev.torchslim.cli;

/** One subcommand of ./torchslim. */
public interface Command {
    String name();

    /** One or more lines: synopsis and options. */
    String usage();

    /** Runs with the arguments after the command name; returns the exit status. */
    int run(String[] args) throws Exception;
}
