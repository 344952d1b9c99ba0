package dev.torchslim.examples.train;

import java.io.PrintStream;

/**
 * A console progress bar: redraws one line on a terminal, prints every 10% otherwise (CI logs).
 */
public final class ProgressBar {
    private static final int WIDTH = 30;
    private final PrintStream out;
    private final String label;
    private final long total;
    private final boolean interactive;
    private final long startNanos = System.nanoTime();
    private int lastDecile = -1;

    /**
     * A bar that redraws in place when a console is attached.
     *
     * @param out where to draw
     * @param label the text before the bar
     * @param total the number of units of work, greater than 0
     */
    public ProgressBar(PrintStream out, String label, long total) {
        this(out, label, total, System.console() != null);
    }

    /**
     * A bar drawn in place or, when not interactive, printed every 10%.
     *
     * @param out where to draw
     * @param label the text before the bar
     * @param total the number of units of work, greater than 0
     * @param interactive redraw one line (a terminal) rather than print lines (a log)
     */
    public ProgressBar(PrintStream out, String label, long total, boolean interactive) {
        if (total <= 0) {
            throw new IllegalArgumentException("total must be > 0, got " + total);
        }
        this.out = out;
        this.label = label;
        this.total = total;
        this.interactive = interactive;
    }

    /**
     * Shows done of total, with a free-form status such as the running loss.
     *
     * @param done the units done so far
     * @param status the text after the bar
     */
    public void update(long done, String status) {
        int decile = (int) (10 * done / total);
        if (!interactive && decile == lastDecile && done != total) {
            return;
        }
        lastDecile = decile;
        int filled = (int) (WIDTH * done / total);
        double secs = (System.nanoTime() - startNanos) / 1e9;
        String bar = "=".repeat(filled) + (filled < WIDTH ? ">" : "") + " ".repeat(Math.max(0, WIDTH - filled - 1));
        String line = String.format("%s [%s] %3d%% %6.1fs %s", label, bar, 100 * done / total, secs, status);
        if (interactive) {
            out.print("\r" + line);
            if (done == total) {
                out.println();
            }
        } else {
            out.println(line);
        }
        out.flush();
    }
}
