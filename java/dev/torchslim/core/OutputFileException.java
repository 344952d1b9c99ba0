package dev.torchslim.core;

/** An output path TorchSlim will not write: it names the path and why. */
public class OutputFileException extends TorchSlimException {
    private static final long serialVersionUID = 1L;

    public OutputFileException(String message) {
        super(message);
    }

    public OutputFileException(String message, Throwable cause) {
        super(message, cause);
    }
}
