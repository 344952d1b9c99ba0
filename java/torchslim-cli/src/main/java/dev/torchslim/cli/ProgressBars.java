package dev.torchslim.cli;

import dev.torchslim.core.ProgressListener;
import java.io.PrintStream;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;

/**
 * Draws the library's progress reports as me.tongfei progress bars: one bar per loop, closed when
 * the loop ends. A loop that starts inside another one (a nested report) draws nothing, so that
 * two bars never fight over one line.
 */
final class ProgressBars implements ProgressListener, AutoCloseable {
    private final PrintStream out;
    private String task;
    private ProgressBar bar;

    /**
     * Bars drawn on {@code out}.
     *
     * @param out where the bars go (stderr)
     */
    ProgressBars(PrintStream out) {
        this.out = out;
    }

    /**
     * Whether a command draws bars: with {@code --progress}, or on a terminal (a console, and no
     * {@code CI} variable) unless {@code --no-progress}.
     *
     * @param progress --progress was given
     * @param noProgress --no-progress was given
     * @return true to draw bars
     */
    static boolean wanted(boolean progress, boolean noProgress) {
        if (progress || noProgress) {
            return progress;
        }
        String ci = System.getenv("CI");
        return System.console() != null && (ci == null || ci.isEmpty() || ci.equals("false"));
    }

    @Override
    public synchronized void update(String name, long done, long total) {
        if (bar == null && done == 0) {
            task = name;
            bar = new ProgressBarBuilder().setTaskName(name).setInitialMax(total).setUpdateIntervalMillis(250)
                    .setConsumer(new ConsoleProgressBarConsumer(out)).build();
        } else if (bar != null && name.equals(task)) {
            bar.stepTo(done);
        }
    }

    @Override
    public synchronized void end(String name, long done) {
        if (bar != null && name.equals(task)) {
            bar.stepTo(done);
            close();
        }
    }

    /** Closes the bar still open (a loop that failed before it ended). */
    @Override
    public synchronized void close() {
        if (bar != null) {
            bar.close();
            bar = null;
            task = null;
        }
    }
}
