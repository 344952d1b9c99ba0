package dev.torchslim.export;

import dev.torchslim.core.TorchSlimException;

/** A model the exporter cannot write as ONNX: names the op and the node (module path, source line). */
public class UnsupportedOpException extends TorchSlimException {
    private static final long serialVersionUID = 1L;

    public UnsupportedOpException(String message) {
        super(message);
    }

    public UnsupportedOpException(String message, Throwable cause) {
        super(message, cause);
    }
}
