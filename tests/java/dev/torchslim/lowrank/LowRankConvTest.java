package dev.torchslim.lowrank;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.torchslim.core.TensorScope;
import dev.torchslim.graph.ScriptModel;
import dev.torchslim.oracle.Npy;
import dev.torchslim.oracle.PythonOracle;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Conv2d spatial SVD and Tucker-2 on a scripted and a traced CNN made by the Python oracle (a 3x5 conv
 * with stride (2,1), padding (1,2), dilation (1,2) and bias; a 3x3 conv without bias; a grouped conv;
 * a 1x1 conv): the factorized model computes exactly the dense model with the factors' weight, that
 * weight is the truncation the spectra predict, and the file runs in Python.
 */
@Tag("oracle")
class LowRankConvTest {
    private static final Pattern PARAMS = Pattern.compile("\"params\": (\\d+)");

    @TempDir
    Path tmp;

    static double frobenius(Tensor t) {
        return Math.sqrt(t.mul(t).sum().item_double());
    }

    static double tail(double[] s, int rank) {
        double e = 0;
        for (int i = rank; i < s.length; i++) {
            e += s[i] * s[i];
        }
        return e;
    }

    private void check(String how, ConvFactorization kind) throws Exception {
        PythonOracle.run("lowrank_models.py", "convs", tmp.toString());
        Path file = tmp.resolve("convs." + how + ".pt");
        Path xFile = tmp.resolve("convs.x.npy");
        LowRankConfig config = LowRankConfig.defaults().withConv(kind).withMethod(SvdMethod.EXACT);
        try (TensorScope scope = new TensorScope(); ScriptModel dense = ScriptModel.load(file)) {
            Tensor x = Npy.read(xFile);
            List<ConvLayer> layers = LowRank.convLayers(dense);
            assertEquals(List.of("a", "b", "g", "c"), layers.stream().map(ConvLayer::name).toList());
            assertEquals("stride 2x1 padding 1x2 dilation 1x2", layers.get(0).geometry());
            assertTrue(layers.get(2).problem().startsWith("groups=4"), layers.get(2).problem());
            try (LowRankResult r = LowRank.apply(dense, RankPolicy.explicit(Map.of("a", 4, "b", 5, "g", 2)), config)) {
                ConvDecision a = r.convs().get(0);
                ConvDecision b = r.convs().get(1);
                assertTrue(a.factorized() && b.factorized(), r.convs().toString());
                assertFalse(r.convs().get(2).factorized());
                assertTrue(r.convs().get(2).reason().contains("groups=4"), r.convs().get(2).reason());
                assertEquals("not selected", r.convs().get(3).reason());
                if (kind == ConvFactorization.SPATIAL) {
                    assertEquals(4L * (6 * 3 + 12 * 5), a.paramsAfter());
                    assertEquals(5L * (12 * 3 + 16 * 3), b.paramsAfter());
                } else {
                    assertEquals(6L * 4 + 4 * 4 * 15 + 12 * 4, a.paramsAfter());
                    assertEquals(12L * 5 + 5 * 5 * 9 + 16 * 5, b.paramsAfter());
                }
                assertEquals(dense.parameterCount() - r.paramsBefore() + r.paramsAfter(), r.model().parameterCount());
                // The factorized graph computes the dense graph with the factors' weights, exactly.
                Tensor wa = LowRank.parameter(dense, "a.weight");
                Tensor wb = LowRank.parameter(dense, "b.weight");
                Tensor aa = LowRank.convApproximation(wa, kind, a.rankIn(), a.rankOut(), config);
                Tensor ab = LowRank.convApproximation(wb, kind, b.rankIn(), b.rankOut(), config);
                Tensor want;
                try (ScriptModel copy = dense.copy(); NoGradGuard g = new NoGradGuard()) {
                    LowRank.parameter(copy, "a.weight").copy_(aa);
                    LowRank.parameter(copy, "b.weight").copy_(ab);
                    want = copy.forward(x);
                }
                Tensor got = r.model().forward(x);
                double diff = got.sub(want).abs().max().item_double();
                assertTrue(diff < 1e-4 * (1 + want.abs().max().item_double()), how + " " + kind + ": factorized graph differs by " + diff);
                assertTrue(got.sub(dense.forward(x)).abs().max().item_double() > 1e-4, "low ranks must change the output");
                // The weight is the truncation the spectra predict.
                List<double[]> s = LowRank.convSpectra(wa, kind);
                double err2 = Math.pow(frobenius(wa.sub(aa)), 2);
                double total = Math.pow(frobenius(wa), 2);
                if (kind == ConvFactorization.SPATIAL) {
                    assertEquals(tail(s.get(0), 4), err2, 1e-4 * total, "spatial error = the discarded singular values");
                } else {
                    assertTrue(err2 <= (tail(s.get(0), 4) + tail(s.get(1), 4)) * (1 + 1e-4), "HOSVD bound");
                    assertEquals(total - Math.pow(frobenius(aa), 2), err2, 1e-4 * total, "an orthogonal projection");
                }
                assertEquals(1 - err2 / total, a.energyKept(), 1e-4);
                // Full rank: the factors reproduce the weight.
                int full = kind == ConvFactorization.SPATIAL ? 18 : 6;
                Tensor exact = LowRank.convApproximation(wa, kind, full, 12, config);
                assertTrue(wa.sub(exact).abs().max().item_double() < 1e-5, "full rank must be exact");
                // Runs in Python with the same output and parameter count.
                Path out = tmp.resolve("convs." + how + "." + kind + ".lowrank.pt");
                Path py = tmp.resolve("py.npy");
                r.model().save(out);
                String report = PythonOracle.run("graph_models.py", "run", out.toString(), xFile.toString(), py.toString());
                assertTrue(Npy.read(py).sub(got).abs().max().item_double() < 1e-5, "Python's output differs");
                Matcher m = PARAMS.matcher(report);
                assertTrue(m.find(), report);
                assertEquals(r.model().parameterCount(), Long.parseLong(m.group(1)));
            }
        }
    }

    /** torchvision ResNet-18 (scripted, 3x96x96): both factorizations at half budget run in Python, parameters fall as reported. */
    @Test
    void resnet18FactorizedRunsInPython() throws Exception {
        PythonOracle.run("lowrank_models.py", "resnet18", tmp.toString());
        Path xFile = tmp.resolve("resnet18.x.npy");
        try (TensorScope scope = new TensorScope(); ScriptModel dense = ScriptModel.load(tmp.resolve("resnet18.pt"))) {
            Tensor x = Npy.read(xFile);
            for (ConvFactorization kind : List.of(ConvFactorization.SPATIAL, ConvFactorization.TUCKER)) {
                try (LowRankResult r = LowRank.apply(dense, RankPolicy.budget(0.5), LowRankConfig.defaults().withConv(kind))) {
                    long convs = r.convs().stream().filter(ConvDecision::factorized).count();
                    // 20 Conv2d: the 7x7 stem, 16 3x3, 3 1x1 downsamples; fc 1000x512 at half budget
                    assertEquals(20, r.convs().size());
                    assertEquals(20, convs, kind + ": " + r.convs());
                    assertEquals(21, r.factorizedLayers());
                    assertTrue(r.paramsAfter() <= r.paramsBefore() / 2, r.paramsAfter() + " of " + r.paramsBefore());
                    assertEquals(dense.parameterCount() - r.paramsBefore() + r.paramsAfter(), r.model().parameterCount());
                    Path out = tmp.resolve("resnet18." + kind + ".pt");
                    Path py = tmp.resolve("resnet18." + kind + ".npy");
                    r.model().save(out);
                    String report = PythonOracle.run("graph_models.py", "run", out.toString(), xFile.toString(), py.toString());
                    Tensor java = r.model().forward(x);
                    Tensor python = Npy.read(py);
                    assertEquals(List.of(2L, 1000L), List.of(python.size(0), python.size(1)));
                    assertTrue(python.sub(java).abs().max().item_double() < 1e-3 * (1 + java.abs().max().item_double()),
                            kind + ": Python's output differs from Java's");
                    Matcher m = PARAMS.matcher(report);
                    assertTrue(m.find(), report);
                    assertEquals(r.model().parameterCount(), Long.parseLong(m.group(1)));
                }
            }
        }
    }

    @Test
    void scriptedSpatial() throws Exception {
        check("script", ConvFactorization.SPATIAL);
    }

    @Test
    void tracedSpatial() throws Exception {
        check("trace", ConvFactorization.SPATIAL);
    }

    @Test
    void scriptedTucker() throws Exception {
        check("script", ConvFactorization.TUCKER);
    }

    @Test
    void tracedTucker() throws Exception {
        check("trace", ConvFactorization.TUCKER);
    }
}
