package dev.torchslim.core;

/**
 * Every failure inside TorchSlim's native code, and every failure to load it. A C++ exception
 * (LibTorch's {@code c10::Error} without its backtrace, or any {@code std::exception}) leaving a
 * native entry point arrives as this exception.
 */
public class TorchSlimException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /**
     * Called by JavaCPP's generated code with the C++ exception's message.
     *
     * @param message the C++ exception's message
     */
    public TorchSlimException(String message) {
        super(message);
    }

    /**
     * An error with the exception that caused it.
     *
     * @param message what failed
     * @param cause the underlying error
     */
    public TorchSlimException(String message, Throwable cause) {
        super(message, cause);
    }
}
