package dev.torchslim.cli;

/** One step of the demo pipeline: compresses something and records one or more table rows. */
@FunctionalInterface
public interface DemoStage {
    void run(DemoContext ctx) throws Exception;
}
