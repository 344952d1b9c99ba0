package dev.torchslim.cli;

/** A command line the command cannot accept; Main prints the message and the usage. */
public class UsageException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    public UsageException(String message) {
        super(message);
    }
}
