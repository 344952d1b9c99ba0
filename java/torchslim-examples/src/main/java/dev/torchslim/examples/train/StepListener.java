package dev.torchslim.examples.train;

/** Called after every optimizer step (e.g. to re-apply pruning masks or advance a schedule). */
@FunctionalInterface
public interface StepListener {
    /**
     * Runs after an optimizer step.
     *
     * @param step the step's index in the run, from 0
     */
    void afterStep(long step);
}
