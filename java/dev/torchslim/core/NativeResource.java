package dev.torchslim.core;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * A native handle that closes exactly once (RocksJava's AbstractNativeReference). Operations run
 * inside {@link #use()}, a shared lock; {@link #close()} takes the exclusive side, so it waits
 * for the calls in flight instead of freeing memory under them. Use after close throws
 * {@link IllegalStateException}; a second close does nothing.
 */
public abstract class NativeResource implements AutoCloseable {
    private final AtomicBoolean closed = new AtomicBoolean();
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();

    /** A held shared lock on an open resource; close it to release (try-with-resources). */
    public final class Use implements AutoCloseable {
        private Use() {}

        @Override
        public void close() {
            lock.readLock().unlock();
        }
    }

    /** Throws if closed; call at the top of operations that need no lock. */
    protected final void checkOpen() {
        if (closed.get()) {
            throw new IllegalStateException(getClass().getSimpleName() + " is already closed");
        }
    }

    /** Enters an operation: the resource stays open until the returned Use is closed. */
    public final Use use() {
        lock.readLock().lock();
        if (closed.get()) {
            lock.readLock().unlock();
            throw new IllegalStateException(getClass().getSimpleName() + " is already closed");
        }
        return new Use();
    }

    public final boolean isClosed() {
        return closed.get();
    }

    @Override
    public final void close() {
        lock.writeLock().lock();
        try {
            if (closed.compareAndSet(false, true)) {
                release();
            }
        } finally {
            lock.writeLock().unlock();
        }
    }

    /** Frees the native side; called once, with no operation in flight. */
    protected abstract void release();
}
