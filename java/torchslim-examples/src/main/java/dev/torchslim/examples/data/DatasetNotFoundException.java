package dev.torchslim.examples.data;

import java.io.IOException;

/** The data set's files are not where they were looked for; the message says how to get them. */
public class DatasetNotFoundException extends IOException {
    private static final long serialVersionUID = 1L;

    /**
     * A data set whose files are missing.
     *
     * @param message which files, where, and how to get them
     */
    public DatasetNotFoundException(String message) {
        super(message);
    }
}
