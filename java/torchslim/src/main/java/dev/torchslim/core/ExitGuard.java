package dev.torchslim.core;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the JVM's exit from tearing LibTorch down under a native call that is still running.
 *
 * <p>On SIGTERM, SIGINT or {@link System#exit}, the JVM runs its shutdown hooks and then the C
 * library's exit, which destroys LibTorch's static objects (its accelerator and device registries,
 * the autograd engine's state) while a thread may still be inside {@code backward()}: that thread
 * then calls through a destroyed table and the JVM dies with SIGSEGV and an {@code hs_err} file in
 * the caller's directory instead of the signal's status. Threads running Java code are stopped
 * before that point; threads in native code are not.
 *
 * <p>Native work therefore runs inside a section ({@code try (ExitGuard.Section s =
 * ExitGuard.enter()) {...}}): every {@link NativeResource#use()} is one, and the training loops
 * wrap each step in one. A shutdown hook, installed when the natives load, closes the gate: it
 * waits (up to {@code -Dtorchslim.exitWaitSeconds}, 30 by default) for the sections in flight to
 * end, and any thread that then tries to start new native work waits for the exit instead. A
 * training step is short, so the process exits with the signal's status a moment later, and
 * nothing is written half: an output is only ever written whole inside one section.
 *
 * <p>Sections nest (a step that calls {@link NativeResource#use()}); a thread already inside one
 * is never stopped at a nested entry. Do not call {@link System#exit} from inside a section: the
 * hook would wait for it until the time limit.
 */
public final class ExitGuard {
    private static final Logger LOG = LoggerFactory.getLogger(ExitGuard.class);
    private static final long WAIT_MILLIS = Math.max(0, Long.getLong("torchslim.exitWaitSeconds", 30)) * 1000;
    private static final Object LOCK = new Object();
    private static final ThreadLocal<int[]> DEPTH = ThreadLocal.withInitial(() -> new int[1]);
    private static final Section SECTION = new Section();
    private static int active; // threads inside a section; guarded by LOCK
    private static boolean exiting; // guarded by LOCK
    private static boolean installed; // guarded by ExitGuard.class

    private ExitGuard() {}

    /** One section of native work; closing it ends the section on the calling thread. */
    public static final class Section implements AutoCloseable {
        private Section() {}

        @Override
        public void close() {
            leave();
        }
    }

    /**
     * Starts a section of native work on this thread. Once the JVM has begun to exit, a thread
     * not yet inside a section waits here until the process ends.
     *
     * @return the section, to close when the native work is done
     */
    public static Section enter() {
        int[] depth = DEPTH.get();
        if (depth[0] == 0) {
            synchronized (LOCK) {
                boolean interrupted = false;
                while (exiting) {
                    try {
                        LOCK.wait();
                    } catch (InterruptedException e) {
                        interrupted = true; // the JVM is exiting: keep this thread out of native code
                    }
                }
                if (interrupted) {
                    Thread.currentThread().interrupt();
                }
                active++;
            }
        }
        depth[0]++;
        return SECTION;
    }

    static void leave() {
        int[] depth = DEPTH.get();
        if (depth[0] <= 0) {
            throw new IllegalStateException("ExitGuard section closed twice");
        }
        if (--depth[0] == 0) {
            synchronized (LOCK) {
                if (--active == 0) {
                    LOCK.notifyAll();
                }
            }
        }
    }

    /**
     * The number of threads inside a section now (for tests and diagnostics).
     *
     * @return the threads running native work under the guard
     */
    public static int activeSections() {
        synchronized (LOCK) {
            return active;
        }
    }

    /** Installs the shutdown hook once; called when the natives load. */
    static synchronized void install() {
        if (!installed) {
            Runtime.getRuntime().addShutdownHook(new Thread(ExitGuard::drain, "torchslim-exit-guard"));
            installed = true;
        }
    }

    /** Closes the gate and waits for the sections in flight, up to the time limit. */
    static void drain() {
        synchronized (LOCK) {
            exiting = true;
            long deadline = System.nanoTime() + WAIT_MILLIS * 1_000_000L;
            boolean said = false;
            while (active > 0) {
                long left = (deadline - System.nanoTime()) / 1_000_000L;
                if (left <= 0) {
                    LOG.warn("{} native call(s) still running after {} s; exiting anyway", active, WAIT_MILLIS / 1000);
                    return;
                }
                if (!said) {
                    LOG.warn("stopping after the native call in progress (a training step)");
                    said = true;
                }
                try {
                    LOCK.wait(left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }
}
