package dev.torchslim.prune;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.torchslim.core.TensorScope;
import dev.torchslim.jni.PruneApi;
import dev.torchslim.oracle.Npy;
import dev.torchslim.oracle.PythonOracle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Our masks equal torch.nn.utils.prune's (torch 2.13) element for element on tie-free weights. */
@Tag("oracle")
class TorchPruneParityTest {
    @TempDir
    static Path dir;
    static int layers;
    static double[] amounts;

    @BeforeAll
    static void runOracle() throws Exception {
        layers = Integer.parseInt(PythonOracle.run("prune_masks.py", dir.toString(), "7").trim());
        String[] a = Files.readString(dir.resolve("amounts.txt")).trim().split(" ");
        amounts = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            amounts[i] = Double.parseDouble(a[i]);
        }
    }

    static Tensor load(String name) throws Exception {
        return Npy.read(dir.resolve(name + ".npy"));
    }

    static void assertSameMask(Tensor expected, Tensor actual, String what) {
        assertTrue(expected.equal(actual), what + ": masks differ in "
                + expected.ne(actual).sum().item_long() + " of " + expected.numel() + " elements");
    }

    @Test
    void l1UnstructuredMatchesPerLayer() throws Exception {
        try (TensorScope s = new TensorScope()) {
            for (int i = 0; i < layers; i++) {
                Tensor w = load("w_" + i);
                assertSameMask(load("l1_" + i), PruneApi.l1_unstructured_mask(w, amounts[i]), "l1 layer " + i);
            }
        }
    }

    @Test
    void globalUnstructuredL1Matches() throws Exception {
        try (TensorScope s = new TensorScope()) {
            TensorVector ws = new TensorVector();
            for (int i = 0; i < layers; i++) {
                ws.push_back(load("w_" + i));
            }
            TensorVector masks = PruneApi.global_l1_unstructured_masks(ws, 0.6);
            long pruned = 0;
            long total = 0;
            for (int i = 0; i < layers; i++) {
                assertSameMask(load("global_" + i), masks.get(i), "global layer " + i);
                pruned += masks.get(i).eq(new org.bytedeco.pytorch.Scalar(0.0)).sum().item_long();
                total += masks.get(i).numel();
            }
            assertEquals(Math.rint(0.6 * total), pruned);
        }
    }

    @Test
    void lnStructuredMatchesForEveryNormAndDim() throws Exception {
        try (TensorScope s = new TensorScope()) {
            List<String> checked = new ArrayList<>();
            for (int i = 0; i < layers; i++) {
                Tensor w = load("w_" + i);
                for (String tag : new String[] {"1", "2", "inf"}) {
                    double n = tag.equals("inf") ? Double.POSITIVE_INFINITY : Double.parseDouble(tag);
                    for (int dim = 0; dim < 2; dim++) {
                        assertSameMask(load("ln_" + tag + "_" + dim + "_" + i),
                                PruneApi.ln_structured_mask(w, 0.4, n, dim), "ln n=" + tag + " dim=" + dim + " layer " + i);
                        checked.add(tag + "/" + dim);
                    }
                }
            }
            assertEquals(layers * 6, checked.size());
        }
    }

    @Test
    void strategiesThroughEasyPruneUseTheSameMasks() throws Exception {
        try (TensorScope s = new TensorScope()) {
            // A Linear built in Java, loaded with the oracle's weights, pruned by EasyPrune.
            org.bytedeco.pytorch.SequentialImpl model = new org.bytedeco.pytorch.SequentialImpl();
            model.push_back("fc", new org.bytedeco.pytorch.LinearImpl(320, 50));
            try (org.bytedeco.pytorch.NoGradGuard g = new org.bytedeco.pytorch.NoGradGuard()) {
                model.named_parameters().get("fc.weight").copy_(load("w_1"));
            }
            new EasyPrune(model, 0.5).prune().unprune();
            Tensor w = model.named_parameters().get("fc.weight");
            assertSameMask(load("l1_1"), w.ne(new org.bytedeco.pytorch.Scalar(0.0)).to(org.bytedeco.pytorch.global.torch.ScalarType.Float), "EasyPrune l1");
        }
    }
}
