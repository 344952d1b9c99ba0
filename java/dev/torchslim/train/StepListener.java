package dev.torchslim.train;

/** Called after every optimizer step (e.g. to re-apply pruning masks or advance a schedule). */
@FunctionalInterface
public interface StepListener {
    void afterStep(long step);
}
