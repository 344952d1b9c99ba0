package dev.torchslim.train;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/** Training losses over a model's output and the targets. */
public enum Loss {
    /** Cross entropy on logits, integer class targets. */
    CE {
        @Override
        public Tensor compute(Tensor output, Tensor target) {
            return torch.cross_entropy(output, target);
        }
    },
    /** Negative log likelihood on log-probabilities, integer class targets. */
    NLL {
        @Override
        public Tensor compute(Tensor output, Tensor target) {
            return torch.nll_loss(output, target);
        }
    },
    /** Mean squared error, targets of the output's shape. */
    MSE {
        @Override
        public Tensor compute(Tensor output, Tensor target) {
            return torch.mse_loss(output, target);
        }
    };

    /**
     * The mean loss of a batch.
     *
     * @param output the model's output
     * @param target the targets
     * @return a scalar loss to backpropagate
     */
    public abstract Tensor compute(Tensor output, Tensor target);

    /**
     * Parses a loss by its constant's name, ignoring case: "ce", "nll" or "mse".
     *
     * @param name the loss' name
     * @return the loss
     * @throws IllegalArgumentException for any other name
     */
    public static Loss parse(String name) {
        for (Loss l : values()) {
            if (l.name().equalsIgnoreCase(name)) {
                return l;
            }
        }
        throw new IllegalArgumentException("unknown loss '" + name + "': expected ce, nll or mse");
    }
}
