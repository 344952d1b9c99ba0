package dev.torchslim.core;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * A native handle that closes exactly once (RocksJava's AbstractNativeReference, DJL's
 * NativeResource). Operations run inside {@code try (Use use = use()) {...}}: any number at
 * once, and {@link #close} waits until those in flight are done, so a close racing a native call
 * never frees memory under it. Use after close throws {@link IllegalStateException}; a second
 * close does nothing.
 *
 * <p>With {@code -Dtorchslim.trackResources=true} every resource records where it was created, and
 * {@link #openResources()} lists those not closed yet (DJL's leak detection): tests use it.
 */
public abstract class NativeResource implements AutoCloseable {
    private static final boolean TRACK = Boolean.getBoolean("torchslim.trackResources");
    private static final AtomicLong IDS = new AtomicLong();
    private static final Map<Long, OpenResource> OPEN = new ConcurrentHashMap<>();

    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    private final Use guard = new Use();
    private final long id = IDS.incrementAndGet();
    private volatile boolean closed;

    /**
     * One resource not closed yet: its type and the stack that created it.
     *
     * @param type the resource's class name
     * @param createdAt the stack of the code that created it
     */
    public record OpenResource(String type, List<StackTraceElement> createdAt) {
        @Override
        public String toString() {
            StringBuilder s = new StringBuilder(type).append(" created at");
            for (StackTraceElement e : createdAt) {
                s.append("\n\tat ").append(e);
            }
            return s.toString();
        }
    }

    /** The guard of one operation: closing it lets a waiting {@link #close} proceed. */
    public final class Use implements AutoCloseable {
        private Use() {}

        @Override
        public void close() {
            lock.readLock().unlock();
            ExitGuard.leave();
        }
    }

    /** Registers the resource with the leak tracker when {@link #tracking()} is on. */
    protected NativeResource() {
        if (TRACK) {
            StackTraceElement[] stack = new Throwable().getStackTrace();
            int from = 0;
            while (from < stack.length - 1 && stack[from].getMethodName().equals("<init>")) {
                from++; // skip the constructors: the first frame is the code that asked for it
            }
            OPEN.put(id, new OpenResource(getClass().getName(),
                    List.of(stack).subList(from, stack.length)));
        }
    }

    /**
     * Whether {@code -Dtorchslim.trackResources=true} is on.
     *
     * @return true when open resources are tracked
     */
    public static boolean tracking() {
        return TRACK;
    }

    /**
     * The resources created and not closed yet (empty unless {@link #tracking()}), oldest first.
     *
     * @return the open resources with the stacks that created them
     */
    public static List<OpenResource> openResources() {
        List<Long> ids = new ArrayList<>(OPEN.keySet());
        ids.sort(null);
        List<OpenResource> open = new ArrayList<>();
        for (Long i : ids) {
            OpenResource r = OPEN.get(i);
            if (r != null) {
                open.add(r);
            }
        }
        return open;
    }

    /**
     * Enters an operation: the native side stays alive until the returned guard is closed
     * ({@code try (Use use = use()) {...}}). Throws {@link IllegalStateException} if closed.
     *
     * @return the guard to close when the operation ends
     * @throws IllegalStateException when the resource is closed
     */
    public final Use use() {
        ExitGuard.Section s = ExitGuard.enter(); // the JVM's exit waits for the operation (see ExitGuard)
        lock.readLock().lock();
        if (closed) {
            lock.readLock().unlock();
            s.close();
            throw closedError();
        }
        return guard;
    }

    /** Throws if closed; for accessors that do not reach native memory (use {@link #use()} otherwise). */
    protected final void checkOpen() {
        if (closed) {
            throw closedError();
        }
    }

    private IllegalStateException closedError() {
        return new IllegalStateException(getClass().getSimpleName() + " is already closed");
    }

    /**
     * Whether {@link #close} has run.
     *
     * @return true once closed
     */
    public final boolean isClosed() {
        return closed;
    }

    /**
     * Frees the native side once, after every operation in flight has finished. Calling it from
     * inside an operation of this resource (same thread) throws {@link IllegalStateException}:
     * waiting there would never end.
     */
    @Override
    public final void close() {
        if (closed) {
            return;
        }
        if (lock.getReadHoldCount() > 0) {
            throw new IllegalStateException(getClass().getSimpleName()
                    + ".close() called inside one of its own operations; close it after the operation");
        }
        try (ExitGuard.Section s = ExitGuard.enter()) {
            lock.writeLock().lock();
            try {
                if (closed) {
                    return;
                }
                closed = true;
                OPEN.remove(id);
                release();
            } finally {
                lock.writeLock().unlock();
            }
        }
    }

    /** Frees the native side; called once, with no operation in flight. */
    protected abstract void release();
}
