package dev.torchslim.quantize;

import dev.torchslim.jni.QuantizeApi;
import java.nio.file.Files;
import java.nio.file.Path;
import org.bytedeco.pytorch.Module;

/**
 * Weight-only int8/int4 files for any module: smaller on disk, dequantized into a module of the
 * same structure on load. The file is a torch.save-compatible pickle (a dict of tensors).
 */
public final class WeightOnlyFile {
    private WeightOnlyFile() {}

    /** Writes model's state with weights quantized per config, through a temporary file and a rename. */
    public static void save(Module model, WeightOnlyConfig config, Path file) {
        Path dir = file.toAbsolutePath().getParent();
        if (dir == null || !Files.isDirectory(dir)) {
            throw new IllegalArgumentException("directory of " + file + " does not exist");
        }
        QuantizeApi.save_weight_only(model, file.toString(), config.bits(), config.groupSize());
    }

    /** Loads file into model (same parameter names and shapes); on a mismatch model is unchanged. */
    public static void load(Path file, Module model) {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("no weight-only file at " + file);
        }
        QuantizeApi.load_weight_only(model, file.toString());
    }
}
