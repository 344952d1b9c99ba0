package dev.torchslim.examples;

/** One step of the demo pipeline: compresses something and records one or more table rows. */
@FunctionalInterface
public interface DemoStage {
    /**
     * Runs the stage.
     *
     * @param ctx the shared baseline, data, trainer and result table
     * @throws Exception when the stage fails; the demo reports it and goes on
     */
    void run(DemoContext ctx) throws Exception;
}
