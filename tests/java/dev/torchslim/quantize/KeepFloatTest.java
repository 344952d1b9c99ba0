package dev.torchslim.quantize;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.torchslim.core.TensorScope;
import dev.torchslim.data.TensorData;
import dev.torchslim.graph.ScriptModel;
import dev.torchslim.oracle.GraphModels;
import dev.torchslim.oracle.Npy;
import java.util.List;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Modules kept in float named by path, {@code *} pattern or class name, on torchvision's EfficientNet
 * MBConv block (graph_models.py mbconv: stem, MBConv with squeeze-excitation, fc), and the default
 * candidates of {@link AccuracyAwareInt8}.
 */
@Tag("oracle")
class KeepFloatTest {
    @Test
    void pathsPatternsAndClassNamesResolveToModulePaths() {
        try (ScriptModel model = ScriptModel.load(GraphModels.file("mbconv", ".pt"))) {
            assertEquals(List.of("block.block.2"), Quantize.keepFloatPaths(model, List.of("SqueezeExcitation")));
            assertEquals(List.of("block.block.2.fc1", "block.block.2.fc2"),
                    Quantize.keepFloatPaths(model, List.of("*.fc1", "block.block.2.fc2")));
            // a match under another match is covered by it
            assertEquals(List.of("block.block.2"), Quantize.keepFloatPaths(model, List.of("block.block.2*")));
            assertEquals(List.of("fc"), Quantize.keepFloatPaths(model, List.of("fc")));
            assertEquals(List.of("stem.0", "block.block.0.0", "block.block.1.0", "block.block.2.fc1",
                    "block.block.2.fc2", "block.block.3.0"), Quantize.keepFloatPaths(model, List.of("Conv2d")));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> Quantize.keepFloatPaths(model, List.of("SqueezeExcite")));
            assertTrue(e.getMessage().contains("SqueezeExcite"), e.getMessage());
            assertEquals(List.of("stem.0", "block", "fc"), AccuracyAwareInt8.blocks(model));
            // what the search narrows a block to: the MBConv's expand, depthwise, squeeze-excitation, project parts
            assertEquals(List.of("block.block.0", "block.block.1", "block.block.2", "block.block.3"),
                    AccuracyAwareInt8.subBlocks(model, "block"));
            assertEquals(List.of("block.block.2.fc1", "block.block.2.fc2"),
                    AccuracyAwareInt8.subBlocks(model, "block.block.2"));
            assertEquals(List.of(), AccuracyAwareInt8.subBlocks(model, "fc"));
        }
    }

    /** Keeping SqueezeExcitation (a class name) in float is keeping block.block.2 (its path): same int8 model. */
    @Test
    void classNameKeepsTheSameModulesInFloatAsTheirPaths() throws Exception {
        try (TensorScope scope = new TensorScope();
             ScriptModel model = ScriptModel.load(GraphModels.file("mbconv", ".pt"))) {
            model.eval();
            TensorData data = TensorData.load(GraphModels.file("mbconv", ".data.pt"));
            Tensor x = Npy.read(GraphModels.file("mbconv", ".x.npy"));
            try (ScriptModel byClass = Quantize.apply(model, Int8StaticConfig.config(), data.batches(16, 4),
                    List.of("SqueezeExcitation"));
                 ScriptModel byPath = Quantize.apply(model, Int8StaticConfig.config(), data.batches(16, 4),
                         List.of("block.block.2"));
                 ScriptModel all = Quantize.apply(model, Int8StaticConfig.config(), data.batches(16, 4))) {
                assertEquals(0.0, byClass.forward(x).sub(byPath.forward(x)).abs().max().item_double());
                // the squeeze-excitation's two 1x1 convs and its product stay float: fewer int8 ops
                int kept = byClass.countOps("quantized::");
                assertTrue(kept > 0 && kept < all.countOps("quantized::"), kept + " vs " + all.countOps("quantized::"));
            }
        }
    }
}
