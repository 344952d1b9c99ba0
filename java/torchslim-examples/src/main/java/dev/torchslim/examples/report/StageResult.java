package dev.torchslim.examples.report;

/**
 * One row of the demo table: a model after one compression stage.
 *
 * @param accuracy test accuracy in [0, 1]
 * @param sizeBytes bytes of the model as saved to a file
 * @param latencyMs median wall time of one forward pass over a batch of 64
 * @param name the stage's name, e.g. "pruned 50%"
 * @param params parameter elements
 * @param nonzeroParams parameter elements that are not zero
 */
public record StageResult(String name, double accuracy, long params, long nonzeroParams, long sizeBytes,
        double latencyMs) {}
