package dev.torchslim.core;

/** An output path TorchSlim will not write: it names the path and why. */
public class OutputFileException extends TorchSlimException {
    private static final long serialVersionUID = 1L;

    /**
     * An output file that cannot be written safely.
     *
     * @param message what is wrong, naming the file
     */
    public OutputFileException(String message) {
        super(message);
    }

    /**
     * An output file that cannot be written, with the error that showed it.
     *
     * @param message what is wrong, naming the file
     * @param cause the underlying error
     */
    public OutputFileException(String message, Throwable cause) {
        super(message, cause);
    }
}
