package dev.torchslim.report;

import org.bytedeco.pytorch.Tensor;

/**
 * Anything that maps a batch of inputs to per-class scores (log-probabilities or logits): an
 * fp32 module, a quantized model, a TorchScript module.
 */
@FunctionalInterface
public interface Evaluable {
    Tensor forward(Tensor batch);
}
