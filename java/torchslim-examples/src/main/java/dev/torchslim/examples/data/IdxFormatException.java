package dev.torchslim.examples.data;

import java.io.IOException;

/** An IDX file that is truncated, has a wrong magic number or inconsistent dimensions. */
public class IdxFormatException extends IOException {
    private static final long serialVersionUID = 1L;

    /**
     * An IDX file that is not what its header says.
     *
     * @param message what is wrong, naming the file
     */
    public IdxFormatException(String message) {
        super(message);
    }
}
