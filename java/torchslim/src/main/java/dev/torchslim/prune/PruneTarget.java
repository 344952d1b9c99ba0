package dev.torchslim.prune;

import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Tensor;

/**
 * One prunable weight: the qualified name of its module ("features.0"), the module, and its
 * weight parameter (shares storage with the model).
 *
 * @param name the module's qualified name
 * @param module the module
 * @param weight its weight parameter, sharing storage with the model
 */
public record PruneTarget(String name, Module module, Tensor weight) {
    /**
     * LibTorch's type name of the module, e.g. "torch::nn::Conv2dImpl".
     *
     * @return the module's type name
     */
    public String type() {
        return module.name().getString();
    }

    /**
     * Whether the module is a Conv1d, Conv2d or Conv3d.
     *
     * @return true for convolutions
     */
    public boolean isConv() {
        return type().matches("torch::nn::Conv[123]dImpl");
    }

    /**
     * Whether the module is a Linear.
     *
     * @return true for Linear
     */
    public boolean isLinear() {
        return type().equals("torch::nn::LinearImpl");
    }
}
