package dev.torchslim.export;

import dev.torchslim.core.TorchSlimException;

/** A model the exporter cannot write as ONNX: names the op and the node (module path, source line). */
public class UnsupportedOpException extends TorchSlimException {
    private static final long serialVersionUID = 1L;

    /**
     * A model that cannot be exported.
     *
     * @param message the op and the node it was found at
     */
    public UnsupportedOpException(String message) {
        super(message);
    }

    /**
     * A model that cannot be exported, with the underlying error.
     *
     * @param message the op and the node it was found at
     * @param cause the error that revealed it
     */
    public UnsupportedOpException(String message, Throwable cause) {
        super(message, cause);
    }
}
