package dev.torchslim.core;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A native handle that closes exactly once (RocksJava's AbstractNativeReference). Use after
 * close throws {@link IllegalStateException}; a second close does nothing.
 */
public abstract class NativeResource implements AutoCloseable {
    private final AtomicBoolean closed = new AtomicBoolean();

    /** Throws if closed; call at the top of every operation. */
    protected final void checkOpen() {
        if (closed.get()) {
            throw new IllegalStateException(getClass().getSimpleName() + " is already closed");
        }
    }

    public final boolean isClosed() {
        return closed.get();
    }

    @Override
    public final void close() {
        if (closed.compareAndSet(false, true)) {
            release();
        }
    }

    /** Frees the native side; called once. */
    protected abstract void release();
}
