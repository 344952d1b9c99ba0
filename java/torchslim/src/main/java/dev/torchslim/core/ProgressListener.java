package dev.torchslim.core;

/**
 * Hears how far a long loop of the library has got: training epochs, calibration, sensitivity
 * scans, latency measurements. The library calls it on the thread that runs the loop; an
 * application adapts it to what it shows (the command line draws a progress bar on a terminal).
 * Install one for a block of work with {@link Progress#listen}.
 */
@FunctionalInterface
public interface ProgressListener {
    /**
     * One loop's progress: called with {@code done == 0} when it starts and after each step.
     *
     * @param task what the loop does, e.g. "train epoch 2/5" or "calibration"
     * @param done steps done so far
     * @param total the steps the loop will take, or -1 when not known ahead
     */
    void update(String task, long done, long total);

    /**
     * The loop ended: ran to the end, stopped early, or failed. Does nothing unless overridden.
     *
     * @param task the task named in {@link #update}
     * @param done the steps done
     */
    default void end(String task, long done) {}
}
