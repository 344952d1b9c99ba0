package dev.torchslim.core;

/**
 * Where the library's long loops report their progress: the {@link ProgressListener} installed on
 * the current thread by {@link #listen}, or nobody. A loop opens a {@link Task}, steps it and
 * closes it; without a listener that costs a thread-local read per step.
 *
 * <pre>{@code
 * try (Progress.Scope s = Progress.listen((task, done, total) -> log(task, done, total))) {
 *     GraphTrainer.fit(model, data, loss, config);   // reports "train epoch 1/3", ...
 * }
 * }</pre>
 */
public final class Progress {
    private static final ThreadLocal<ProgressListener> CURRENT = new ThreadLocal<>();

    private Progress() {}

    /**
     * Sends the progress of the library's loops run on this thread to {@code listener} until the
     * returned scope closes; the listener installed before is restored then.
     *
     * @param listener what hears the progress, or null for nobody
     * @return the scope to close
     */
    public static Scope listen(ProgressListener listener) {
        ProgressListener before = CURRENT.get();
        set(listener);
        return () -> set(before);
    }

    private static void set(ProgressListener listener) {
        if (listener == null) {
            CURRENT.remove();
        } else {
            CURRENT.set(listener);
        }
    }

    /**
     * Starts a loop's report to this thread's listener (if any).
     *
     * @param name what the loop does
     * @param total the steps it will take, or -1 when not known
     * @return the task, to step and close
     */
    public static Task task(String name, long total) {
        return new Task(CURRENT.get(), name, total);
    }

    /** The installation of a listener; closing it restores the one before. */
    @FunctionalInterface
    public interface Scope extends AutoCloseable {
        /** Restores the listener installed before. */
        @Override
        void close();
    }

    /** One loop's progress: {@link #step} after each step, {@link #close} at the end. */
    public static final class Task implements AutoCloseable {
        private final ProgressListener listener;
        private final String name;
        private final long total;
        private long done;
        private boolean closed;

        private Task(ProgressListener listener, String name, long total) {
            this.listener = listener;
            this.name = name;
            this.total = total;
            if (listener != null) {
                listener.update(name, 0, total);
            }
        }

        /** One more step done. */
        public void step() {
            done++;
            if (listener != null) {
                listener.update(name, done, total);
            }
        }

        /** Reports the end, once. */
        @Override
        public void close() {
            if (!closed) {
                closed = true;
                if (listener != null) {
                    listener.end(name, done);
                }
            }
        }
    }
}
