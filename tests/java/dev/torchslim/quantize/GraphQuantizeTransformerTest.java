package dev.torchslim.quantize;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.torchslim.core.TensorScope;
import dev.torchslim.core.TorchSlimException;
import dev.torchslim.data.TensorData;
import dev.torchslim.graph.ScriptModel;
import dev.torchslim.oracle.RealModels;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * int8 of nn.TransformerEncoder (real_models.py: 2 layers, 128 wide, 4 heads), scripted (fast-path
 * checks whose attention call the passes can't quantize: "expected 3 inputs") and traced under
 * no_grad (one fused op, no linear to see). Python's quantize_dynamic_jit crashes on the scripted
 * file, so there is no exact oracle: each encoder layer is first rewritten in plain ops, and the
 * checks are against the fp32 model in Python — the file loads and runs there, has quantized ops
 * for every projection (q/k/v, out, two feed-forward, per layer, and the classifier), and stays
 * close to fp32.
 */
@Tag("oracle")
class GraphQuantizeTransformerTest {
    @TempDir
    Path tmp;

    @ParameterizedTest
    @ValueSource(strings = {"transformer", "transformer.trace"})
    void dynamicQuantizesEveryProjection(String name) throws Exception {
        Path file = RealModels.file(name);
        try (TensorScope scope = new TensorScope();
             ScriptModel m = ScriptModel.load(file);
             ScriptModel q = Quantize.apply(m, Int8DynamicConfig.config())) {
            assertTrue(q.countOps("quantized::linear_dynamic") == 9, q.graph());
            JsonNode c = runInPython(name, q, "dynamic");
            assertTrue(c.path("max_error_of_range").asDouble(1) < 0.03, c.toString());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"transformer", "transformer.trace"})
    void staticCalibratesAndRuns(String name) throws Exception {
        Path file = RealModels.file(name);
        try (TensorScope scope = new TensorScope(); ScriptModel m = ScriptModel.load(file)) {
            TensorData data = TensorData.load(RealModels.sibling(name, ".data.pt"));
            try (ScriptModel q = Quantize.apply(m, Int8StaticConfig.config(), data.batches(16, Integer.MAX_VALUE))) {
                assertTrue(q.countOps("quantized::linear") == 9, q.graph());
                JsonNode c = runInPython(name, q, "static");
                assertTrue(c.path("max_error_of_range").asDouble(1) < 0.1, c.toString());
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"transformer"})
    void keepingPartOfAnEncoderInFloatIsRefusedClearly(String name) throws Exception {
        try (TensorScope scope = new TensorScope(); ScriptModel m = ScriptModel.load(RealModels.file(name))) {
            TorchSlimException e = assertThrows(TorchSlimException.class,
                    () -> Quantize.apply(m, Int8DynamicConfig.config(), List.of("fc")).close());
            assertTrue(e.getMessage().contains("nn.TransformerEncoder"), e.getMessage());
        }
    }

    private JsonNode runInPython(String name, ScriptModel q, String mode) throws Exception {
        Path out = tmp.resolve(name + "." + mode + ".pt");
        q.save(out);
        JsonNode c = RealModels.check(RealModels.file(name), out, RealModels.sibling(name, ".x.npy"));
        assertTrue(c.path("runs").asBoolean(), c.toString());
        assertTrue(c.path("quantized_ops").asInt() > 0, c.toString());
        return c;
    }
}
