package dev.torchslim.distributed;

import dev.torchslim.core.TorchSlimException;

/**
 * A failure of data-parallel training: a rank that cannot connect, a rank that died, models that
 * differ across ranks. The message names the rank and the address; LibTorch's backtrace is cut.
 */
public class DistributedException extends TorchSlimException {
    private static final long serialVersionUID = 1L;

    /**
     * A failure with a message.
     *
     * @param message what failed, naming the rank and the address
     */
    public DistributedException(String message) {
        super(message);
    }

    /**
     * A failure with a message and the underlying error.
     *
     * @param message what failed, naming the rank and the address
     * @param cause the c10d, gloo or I/O error
     */
    public DistributedException(String message, Throwable cause) {
        super(message, cause);
    }

    /** A c10d/gloo error message without the "Exception raised from ..." backtrace and source paths. */
    static String firstLine(Throwable e) {
        String m = String.valueOf(e.getMessage());
        int cut = m.indexOf("\nException raised from");
        if (cut >= 0) {
            m = m.substring(0, cut);
        }
        m = m.strip();
        // gloo prefixes "[/long/build/path/pair.cc:553] "
        if (m.startsWith("[") && m.indexOf("] ") > 0) {
            m = m.substring(m.indexOf("] ") + 2);
        }
        return m.replace("\n", " ");
    }
}
