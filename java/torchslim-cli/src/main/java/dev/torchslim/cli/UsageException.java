package dev.torchslim.cli;

/** A command line the command cannot accept; Main prints the message and the usage. */
public class UsageException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    /**
     * A usage error; the CLI prints the message and the command's usage and exits with 2.
     *
     * @param message what is wrong with the command line
     */
    public UsageException(String message) {
        super(message);
    }
}
