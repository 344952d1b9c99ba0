package dev.torchslim.cli;

import dev.torchslim.core.TensorScope;
import dev.torchslim.quantize.Int8DynamicConfig;
import dev.torchslim.quantize.Int8QatConfig;
import dev.torchslim.quantize.Int8StaticConfig;
import dev.torchslim.quantize.QatModel;
import dev.torchslim.quantize.Quantize;
import dev.torchslim.quantize.QuantizedModel;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.pytorch.Adam;
import org.bytedeco.pytorch.AdamOptions;
import org.bytedeco.pytorch.SequentialImpl;
import org.bytedeco.pytorch.StringTensorDict;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * The demo's int8 stages, on the model kept as "pruned 50%" when a pruning stage ran, else on the
 * baseline: dynamic int8 (Linear layers), static int8 (Conv2d and Linear, calibrated on
 * {@value #CALIBRATION_BATCHES} training batches) and QAT int8 (one epoch of fine-tuning with
 * fake quantization, pruned weights kept at zero).
 */
public final class QuantizationStages {
    static final String SOURCE = "pruned 50%";
    static final int CALIBRATION_BATCHES = 32;
    static final int BATCH = 64;
    static final double QAT_LEARNING_RATE = 1e-4;

    private QuantizationStages() {}

    public static DemoStage dynamicInt8() {
        return ctx -> {
            try (QuantizedModel q = Quantize.apply(source(ctx), Int8DynamicConfig.config())) {
                record(ctx, "dynamic int8", q);
            }
        };
    }

    public static DemoStage staticInt8() {
        return ctx -> {
            try (TensorScope scope = new TensorScope();
                 QuantizedModel q = Quantize.apply(source(ctx), Int8StaticConfig.config(), calibration(ctx))) {
                record(ctx, "static int8", q);
            }
        };
    }

    public static DemoStage qatInt8() {
        return ctx -> {
            // A deep copy (a pruned model may have other shapes than the baseline): QAT trains it.
            SequentialImpl model = source(ctx).clone().asSequential();
            try (TensorScope scope = new TensorScope();
                 QatModel qat = Quantize.prepareQat(model, Int8QatConfig.config())) {
                fineTune(ctx, model, qat);
                model.eval();
                try (QuantizedModel q = qat.convert()) {
                    record(ctx, "QAT int8", q);
                }
            }
        };
    }

    private static SequentialImpl source(DemoContext ctx) {
        return ctx.kept(SOURCE).orElse(ctx.baseline());
    }

    private static List<Tensor> calibration(DemoContext ctx) {
        List<Tensor> batches = new ArrayList<>();
        for (int b = 0; b < CALIBRATION_BATCHES; b++) {
            batches.add(ctx.train().images().narrow(0, (long) b * BATCH, BATCH));
        }
        return batches;
    }

    /** One epoch, Adam, in data order; weights that were zero (pruned) stay zero. */
    private static void fineTune(DemoContext ctx, SequentialImpl model, QatModel qat) {
        List<Tensor[]> masked = new ArrayList<>();
        StringTensorDict params = model.named_parameters();
        for (long i = 0; i < params.size(); i++) {
            Tensor p = params.get(i).value();
            if (p.dim() >= 2) {
                masked.add(new Tensor[] {p, p.ne(new org.bytedeco.pytorch.Scalar(0.0)).to(p.scalar_type())});
            }
        }
        Adam adam = new Adam(model.parameters(), new AdamOptions(QAT_LEARNING_RATE));
        model.train(true);
        long n = ctx.train().size();
        for (long from = 0; from < n; from += BATCH) {
            try (TensorScope step = new TensorScope()) {
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
        adam.close();
    }

    private static void record(DemoContext ctx, String stage, QuantizedModel q) {
        ctx.record(stage, q::forward, q.parameterCount(), q.nonzeroParameterCount(), savedBytes(q));
    }

    private static long savedBytes(QuantizedModel q) {
        try {
            Path dir = Files.createTempDirectory("torchslim-quant");
            Path file = dir.resolve("model.tsq");
            try {
                q.save(file);
                return Files.size(file);
            } finally {
                Files.deleteIfExists(file);
                Files.deleteIfExists(dir);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot measure the saved size", e);
        }
    }
}
