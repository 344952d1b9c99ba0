package dev.torchslim.core;

/** A model file TorchSlim cannot read: the message names the file and says what it is instead. */
public class ModelFileException extends TorchSlimException {
    private static final long serialVersionUID = 1L;

    /**
     * A model file that cannot be used.
     *
     * @param message what is wrong, naming the file
     */
    public ModelFileException(String message) {
        super(message);
    }

    /**
     * A model file that cannot be used, with the error that showed it.
     *
     * @param message what is wrong, naming the file
     * @param cause the underlying error
     */
    public ModelFileException(String message, Throwable cause) {
        super(message, cause);
    }
}
