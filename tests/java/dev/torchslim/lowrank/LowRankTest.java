package dev.torchslim.lowrank;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.torchslim.core.NativeLibrary;
import dev.torchslim.core.TensorScope;
import dev.torchslim.graph.ScriptModel;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.LinearImpl;
import org.bytedeco.pytorch.ReLUImpl;
import org.bytedeco.pytorch.SequentialImpl;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Linear -> two Linears on traced Java models: outputs within the SVD's bound, policies, skips, errors. */
class LowRankTest {
    @TempDir
    Path tmp;

    @BeforeAll
    static void load() {
        NativeLibrary.ensureLoaded();
    }

    static ScriptModel twoLayers() {
        torch.manual_seed(11);
        SequentialImpl m = new SequentialImpl();
        m.push_back("fc", new LinearImpl(64, 48));
        m.push_back("relu", new ReLUImpl());
        m.push_back("small", new LinearImpl(48, 6));
        return ScriptModel.trace(m, torch.zeros(2, 64));
    }

    static ScriptModel oneLayer() {
        torch.manual_seed(12);
        SequentialImpl m = new SequentialImpl();
        m.push_back("fc", new LinearImpl(64, 48));
        return ScriptModel.trace(m, torch.zeros(2, 64));
    }

    static double frobenius(Tensor t) {
        return Math.sqrt(t.mul(t).sum().item_double());
    }

    @Test
    void factorizedLayerIsWithinTheTruncationErrorTheSvdPredicts() {
        try (TensorScope scope = new TensorScope(); ScriptModel dense = oneLayer();
             LowRankResult r = LowRank.apply(dense, RankPolicy.explicit(Map.of("fc", 8)))) {
            Tensor x = torch.randn(32, 64);
            Tensor want = dense.forward(x);
            Tensor got = r.model().forward(x);
            Tensor w = dense.parameters().get(dense.parameterInfo().stream().map(ScriptModel.ParameterInfo::name)
                    .toList().indexOf("fc.weight"));
            double[] s = LowRank.doubles(TruncatedSvd.compute(w, 48, SvdMethod.EXACT, 0, 0).s());
            // ||X (W - W_8)^T||_F <= ||X||_F * sigma_9, and equals the error of the optimal W_8 exactly
            double err = frobenius(got.sub(want));
            assertTrue(err <= frobenius(x) * s[8] * (1 + 1e-4), "error " + err + " above the bound " + frobenius(x) * s[8]);
            TruncatedSvd best = TruncatedSvd.compute(w, 8, SvdMethod.EXACT, 0, 0);
            Tensor w8 = best.u().mul(best.s().unsqueeze(0)).mm(best.vh());
            double predicted = frobenius(x.mm(w.sub(w8).t()));
            assertEquals(predicted, err, 1e-3 * predicted, "the factorized layer must be the rank-8 truncation");
            assertTrue(err > 0, "rank 8 of a random 48x64 weight cannot be exact");
            // in=64, out=48: 3072 weights -> 8 * 112 = 896; the bias (48) stays
            assertEquals(64 * 48 + 48, dense.parameterCount());
            assertEquals(8 * 112 + 48, r.model().parameterCount());
            List<String> names = r.model().parameterInfo().stream().map(ScriptModel.ParameterInfo::name).toList();
            assertTrue(names.contains("fc.weight_u") && names.contains("fc.weight_v") && !names.contains("fc.weight"),
                    names.toString());
            assertTrue(r.model().parameterInfo().stream().allMatch(ScriptModel.ParameterInfo::requiresGrad),
                    "the factors must train");
            assertTrue(dense.parameterInfo().stream().anyMatch(p -> p.name().equals("fc.weight")),
                    "the input model must be left as it was");
        }
    }

    @Test
    void factorizedModelSavesAndLoadsWithTheSameOutput() {
        try (TensorScope scope = new TensorScope(); ScriptModel dense = twoLayers();
             LowRankResult r = LowRank.apply(dense, RankPolicy.explicit(Map.of("fc", 16)))) {
            Path file = tmp.resolve("lowrank.pt");
            r.model().save(file);
            try (ScriptModel back = ScriptModel.load(file)) {
                Tensor x = torch.randn(5, 64);
                assertTrue(back.forward(x).sub(r.model().forward(x)).abs().max().item_double() < 1e-6);
                assertEquals(r.model().parameterCount(), back.parameterCount());
            }
        }
    }

    @Test
    void energyPolicyKeepsTheAskedEnergyWithTheSmallestRank() {
        try (ScriptModel dense = twoLayers()) {
            List<LayerDecision> plan = LowRank.plan(dense, RankPolicy.energy(0.9));
            LayerDecision fc = plan.get(0);
            assertEquals("fc", fc.layer().name());
            // a random 48x64 weight has a flat spectrum: 90% of its energy needs a rank that saves nothing
            assertFalse(fc.factorized());
            assertTrue(fc.reason().startsWith("skipped: rank " + fc.rank()), fc.reason());
            double[] s = LowRank.singularValues(dense, "fc");
            assertTrue(LowRank.energy(s, fc.rank()) >= 0.9 - 1e-9, "rank " + fc.rank() + " keeps too little");
            assertTrue(LowRank.energy(s, fc.rank() - 1) < 0.9, "rank " + fc.rank() + " is not the smallest");
            assertEquals(LowRank.energy(s, fc.rank()), fc.energyKept(), 1e-9);
        }
    }

    @Test
    void budgetAndSkipsAreReported() {
        try (ScriptModel dense = twoLayers()) {
            List<LayerDecision> plan = LowRank.plan(dense, RankPolicy.budget(0.5));
            // fc 48x64: floor(0.5 * 3072 / 112) = 13; small 6x48: floor(0.5 * 288 / 54) = 2
            assertEquals(13, plan.get(0).rank());
            assertTrue(plan.get(0).paramsAfter() <= plan.get(0).paramsBefore() / 2);
            assertEquals(2, plan.get(1).rank());
            // rank 6 of a 6x48 weight keeps 6 * 54 = 324 >= 288 parameters: skipped and said so
            List<LayerDecision> skip = LowRank.plan(dense, RankPolicy.explicit(Map.of("small", 6, "fc", 4)));
            assertFalse(skip.get(1).factorized());
            assertTrue(skip.get(1).reason().startsWith("skipped: rank 6 keeps 324 >= 288"), skip.get(1).reason());
            assertTrue(skip.get(0).factorized());
            try (LowRankResult r = LowRank.apply(dense, RankPolicy.explicit(Map.of("small", 6, "fc", 4)))) {
                assertEquals(1, r.factorizedLayers());
                assertEquals(dense.parameterCount() - 48 * 64 + 4 * 112, r.model().parameterCount());
            }
        }
    }

    @Test
    void badRequestsThrowTypedExceptions() {
        try (ScriptModel dense = twoLayers()) {
            IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class,
                    () -> LowRank.apply(dense, RankPolicy.explicit(Map.of("fc9", 4))));
            assertTrue(unknown.getMessage().contains("fc, small"), unknown.getMessage());
            assertThrows(IllegalArgumentException.class, () -> LowRank.apply(dense, RankPolicy.explicit(Map.of("fc", 49))));
            assertThrows(IllegalArgumentException.class, () -> RankPolicy.energy(1.5));
            assertThrows(IllegalArgumentException.class, () -> RankPolicy.budget(1.0));
            assertThrows(IllegalArgumentException.class, () -> RankPolicy.parseExplicit("fc:x"));
            assertThrows(IllegalArgumentException.class, () -> RankPolicy.parseExplicit("fc"));
            assertEquals(Map.of("fc", 3, "a.b", 2), ((ExplicitRank) RankPolicy.parseExplicit("fc:3,a.b:2")).ranks());
        }
    }
}
