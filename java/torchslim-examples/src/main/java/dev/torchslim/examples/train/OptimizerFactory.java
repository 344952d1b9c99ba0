package dev.torchslim.examples.train;

import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Optimizer;

/** Makes the optimizer for one training run over a model's parameters. */
@FunctionalInterface
public interface OptimizerFactory {
    /**
     * Makes the optimizer.
     *
     * @param model the model whose parameters it updates
     * @return a new optimizer
     */
    Optimizer create(Module model);
}
