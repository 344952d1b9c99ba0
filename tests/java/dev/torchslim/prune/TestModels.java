package dev.torchslim.prune;

import org.bytedeco.pytorch.SequentialImpl;
import org.bytedeco.pytorch.global.torch;

/** Small models built in Java for the pruning tests. */
final class TestModels {
    private TestModels() {}

    /** The demo's CNN shape: 1x28x28 in, 10 log-probabilities out. */
    static SequentialImpl demoCnn(long seed) {
        torch.manual_seed(seed);
        return dev.torchslim.examples.model.SimpleModel.create();
    }
}
