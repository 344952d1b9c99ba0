package dev.torchslim.examples;

import dev.torchslim.core.ExitGuard;
import dev.torchslim.core.TensorScope;
import dev.torchslim.core.TorchSlim;
import dev.torchslim.export.OnnxExportOptions;
import dev.torchslim.export.OnnxExporter;
import dev.torchslim.export.OnnxRuntimeModel;
import dev.torchslim.graph.ScriptModel;
import dev.torchslim.examples.model.SimpleModel;
import dev.torchslim.quantize.Engine;
import dev.torchslim.quantize.Int8DynamicConfig;
import dev.torchslim.quantize.Int8QatConfig;
import dev.torchslim.quantize.Int8StaticConfig;
import dev.torchslim.quantize.Quantize;
import dev.torchslim.report.ModelMeasure;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.pytorch.Adam;
import org.bytedeco.pytorch.AdamOptions;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.SequentialImpl;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

/**
 * The demo's int8 stages, on the model kept as "pruned 50%" when a pruning stage ran, else on the
 * baseline, traced into a {@link ScriptModel}: dynamic int8 (Linear), static int8 (Conv2d and
 * Linear, calibrated on {@value #CALIBRATION_BATCHES} training batches) and QAT int8 (one epoch
 * of fine-tuning with fake quantization in the graph, pruned weights kept at zero), and the static
 * int8 model exported to ONNX and run in ONNX Runtime.
 */
public final class QuantizationStages {
    static final String SOURCE = "pruned 50%";
    static final int CALIBRATION_BATCHES = 32;
    static final int BATCH = 64;
    static final double QAT_LEARNING_RATE = 1e-4;

    private QuantizationStages() {}

    /**
     * Dynamic int8 of the Linear layers (weights int8, activations quantized on the fly).
     *
     * @return the stage
     */
    public static DemoStage dynamicInt8() {
        return ctx -> {
            try (ScriptModel source = source(ctx); ScriptModel q = Quantize.apply(source, Int8DynamicConfig.config())) {
                record(ctx, "dynamic int8", source, q);
            }
        };
    }

    /**
     * Static int8 of Conv2d and Linear, calibrated on training batches.
     *
     * @return the stage
     */
    public static DemoStage staticInt8() {
        return ctx -> {
            try (TensorScope scope = new TensorScope(); ScriptModel source = source(ctx);
                 ScriptModel q = Quantize.apply(source, Int8StaticConfig.config(), calibration(ctx))) {
                record(ctx, "static int8", source, q);
            }
        };
    }

    /**
     * Quantization-aware training: one epoch with fake quantization, then int8.
     *
     * @return the stage
     */
    public static DemoStage qatInt8() {
        return ctx -> {
            try (TensorScope scope = new TensorScope(); ScriptModel source = source(ctx);
                 ScriptModel qat = Quantize.prepareQat(source, Int8QatConfig.config())) {
                fineTune(ctx, qat);
                try (ScriptModel q = Quantize.convert(qat, Engine.DEFAULT)) {
                    record(ctx, "QAT int8", source, q);
                }
            }
        };
    }

    /**
     * The static int8 model exported to ONNX (QDQ) and measured by running the file in ONNX Runtime:
     * accuracy, latency and size are the ONNX file's.
     *
     * @return the stage
     */
    public static DemoStage onnxInt8() {
        return ctx -> {
            Path file = Files.createTempFile("torchslim-demo-", ".onnx");
            try (TensorScope scope = new TensorScope(); ScriptModel source = source(ctx);
                 ScriptModel q = Quantize.apply(source, Int8StaticConfig.config(), calibration(ctx))) {
                OnnxExportOptions options = OnnxExportOptions.input(1, SimpleModel.INPUT_SHAPE[0],
                        SimpleModel.INPUT_SHAPE[1], SimpleModel.INPUT_SHAPE[2]).withDynamicBatch();
                OnnxExporter.Result exported = OnnxExporter.export(q, options, file);
                try (OnnxRuntimeModel ort = OnnxRuntimeModel.open(file, TorchSlim.numThreads())) {
                    ctx.record("ONNX int8", ort, source.parameterCount(), source.nonzeroParameterCount(),
                            exported.bytes());
                }
            } finally {
                Files.deleteIfExists(file);
            }
        };
    }

    private static ScriptModel source(DemoContext ctx) {
        SequentialImpl model = ctx.kept(SOURCE).orElse(ctx.baseline());
        try (TensorScope scope = new TensorScope()) {
            long[] shape = {1, SimpleModel.INPUT_SHAPE[0], SimpleModel.INPUT_SHAPE[1], SimpleModel.INPUT_SHAPE[2]};
            return ScriptModel.trace(model, torch.zeros(shape));
        }
    }

    private static List<Tensor> calibration(DemoContext ctx) {
        List<Tensor> batches = new ArrayList<>();
        for (int b = 0; b < CALIBRATION_BATCHES; b++) {
            batches.add(ctx.train().images().narrow(0, (long) b * BATCH, BATCH));
        }
        return batches;
    }

    /** One epoch, Adam, in data order; weights that were zero (pruned) stay zero. */
    private static void fineTune(DemoContext ctx, ScriptModel qat) {
        List<Tensor[]> masked = new ArrayList<>();
        List<Tensor> params = qat.parameters();
        for (Tensor p : params) {
            if (p.dim() >= 2) {
                masked.add(new Tensor[] {p, p.ne(new Scalar(0.0)).to(p.scalar_type())});
            }
        }
        try (TensorVector pv = new TensorVector(params.toArray(new Tensor[0]));
             Adam adam = new Adam(pv, new AdamOptions(QAT_LEARNING_RATE))) {
            qat.train(true);
            long n = ctx.train().size();
            for (long from = 0; from < n; from += BATCH) {
                try (ExitGuard.Section section = ExitGuard.enter(); TensorScope step = new TensorScope()) {
                    long len = Math.min(BATCH, n - from);
                    adam.zero_grad();
                    Tensor loss = torch.nll_loss(qat.forward(ctx.train().images().narrow(0, from, len)),
                            ctx.train().labels().narrow(0, from, len));
                    loss.backward();
                    adam.step();
                    for (Tensor[] pm : masked) {
                        pm[0].data().mul_(pm[1]);
                    }
                }
            }
        } finally {
            qat.train(false);
        }
    }

    private static void record(DemoContext ctx, String stage, ScriptModel source, ScriptModel q) {
        ctx.record(stage, q::forward, source.parameterCount(), source.nonzeroParameterCount(),
                ModelMeasure.savedBytes(q));
    }
}
