package dev.torchslim.quantize;

import dev.torchslim.jni.QuantizeApi;
import java.nio.file.Files;
import java.nio.file.Path;
import org.bytedeco.pytorch.SequentialImpl;

/**
 * TorchScript files saved by Python torch 2.13. Layer swapping (the int8 modes) needs an
 * nn.Sequential saved with {@code torch.jit.script} (traced modules drop layer options);
 * weight-only and fp16/bf16 take any TorchScript module.
 */
public final class TorchScriptFiles {
    private TorchScriptFiles() {}

    /**
     * The layers of a scripted nn.Sequential as a new float Sequential (eval mode) that
     * {@link Quantize} can quantize; nested Sequentials are flattened ("outer_inner" names).
     */
    public static SequentialImpl importSequential(Path file) {
        requireFile(file);
        SequentialImpl model = new SequentialImpl();
        QuantizeApi.import_torchscript(model, file.toString());
        return model;
    }

    /** Writes in, with floating tensors cast to fp16 or bf16, to out (loadable by torch.jit.load). */
    public static void castPrecision(Path in, Path out, HalfPrecisionConfig config) {
        requireFile(in);
        if (config.dtype().equals("fp32")) {
            throw new IllegalArgumentException("TorchScript precision must be fp16 or bf16, got fp32");
        }
        QuantizeApi.torchscript_precision(in.toString(), out.toString(), config.dtype());
    }

    /** Writes the parameters and buffers of in as a weight-only file (see {@link WeightOnlyFile}). */
    public static void saveWeightOnly(Path in, WeightOnlyConfig config, Path out) {
        requireFile(in);
        QuantizeApi.torchscript_weight_only(in.toString(), out.toString(), config.bits(), config.groupSize());
    }

    private static void requireFile(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("no TorchScript file at " + file);
        }
    }
}
