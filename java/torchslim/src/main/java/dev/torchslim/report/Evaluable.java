package dev.torchslim.report;

import org.bytedeco.pytorch.Tensor;

/**
 * Anything that maps a batch of inputs to per-class scores (log-probabilities or logits): an
 * fp32 module, a quantized model, a TorchScript module.
 */
@FunctionalInterface
public interface Evaluable {
    /**
     * Scores a batch, without gradients.
     *
     * @param batch the inputs, one example per row
     * @return one row of class scores per example
     */
    Tensor forward(Tensor batch);
}
