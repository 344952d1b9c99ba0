package dev.torchslim.prune;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.torchslim.core.TensorScope;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.bytedeco.pytorch.Adam;
import org.bytedeco.pytorch.AdamOptions;
import org.bytedeco.pytorch.AdamW;
import org.bytedeco.pytorch.AdamWOptions;
import org.bytedeco.pytorch.Optimizer;
import org.bytedeco.pytorch.SGD;
import org.bytedeco.pytorch.SGDOptions;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.SequentialImpl;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

/** Pruned weights stay exactly zero over 120 optimizer steps; the others keep learning. */
class MaskHoldTest {
    static final int STEPS = 120;

    void trainAndCheck(Function<TensorVector, Optimizer> make) {
        try (TensorScope scope = new TensorScope()) {
            SequentialImpl model = TestModels.demoCnn(11);
            EasyPrune pruner = new EasyPrune(model, 0.6).strategy(PruningStrategy.l1Global()).prune();
            List<Tensor> zeroMasks = new ArrayList<>();
            List<Tensor> before = new ArrayList<>();
            for (PruneTarget t : pruner.targets()) {
                zeroMasks.add(t.weight().eq(new Scalar(0.0)));
                before.add(t.weight().detach().clone());
            }
            Optimizer opt = make.apply(model.parameters());
            torch.manual_seed(3);
            Tensor x = torch.randn(32, 1, 28, 28);
            Tensor y = torch.randint(10, new long[] {32});
            for (int step = 0; step < STEPS; step++) {
                try (TensorScope s = new TensorScope()) {
                    opt.zero_grad();
                    Tensor loss = torch.nll_loss(model.forward(x), y);
                    loss.backward();
                    opt.step();
                }
            }
            for (int i = 0; i < zeroMasks.size(); i++) {
                Tensor w = pruner.targets().get(i).weight();
                long drifted = w.masked_select(zeroMasks.get(i)).count_nonzero().item_long();
                assertEquals(0, drifted, pruner.targets().get(i).name() + ": pruned weights moved");
                assertTrue(!w.equal(before.get(i)), pruner.targets().get(i).name() + ": kept weights did not train");
            }
            pruner.unprune();
        }
    }

    @Test
    void sgdWithMomentumAndWeightDecay() {
        trainAndCheck(p -> {
            SGDOptions o = new SGDOptions(0.05);
            o.momentum().put(0.9);
            o.weight_decay().put(1e-3);
            return new SGD(p, o);
        });
    }

    @Test
    void adam() {
        trainAndCheck(p -> new Adam(p, new AdamOptions(1e-3)));
    }

    @Test
    void adamWWithWeightDecay() {
        trainAndCheck(p -> {
            AdamWOptions o = new AdamWOptions(1e-3);
            o.weight_decay().put(0.05);
            return new AdamW(p, o);
        });
    }
}
