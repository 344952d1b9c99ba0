package dev.torchslim.core;

/** A model file TorchSlim cannot read: the message names the file and says what it is instead. */
public class ModelFileException extends TorchSlimException {
    private static final long serialVersionUID = 1L;

    public ModelFileException(String message) {
        super(message);
    }

    public ModelFileException(String message, Throwable cause) {
        super(message, cause);
    }
}
