package dev.torchslim.report;

import dev.torchslim.core.TensorScope;
import dev.torchslim.graph.ScriptModel;
import dev.torchslim.jni.CoreApi;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.OutputArchive;
import org.bytedeco.pytorch.Tensor;

/** Measurements shared by every stage: parameter counts, saved size, latency. */
public final class ModelMeasure {
    /** The batch size of every latency figure. */
    public static final int LATENCY_BATCH = 64;
    private static final int WARMUP = 10;
    private static final int RUNS = 60;

    private ModelMeasure() {}

    /**
     * The number of parameter elements of a module, recursively.
     *
     * @param m the module
     * @return the parameter count
     */
    public static long params(Module m) {
        return CoreApi.count_parameters(m);
    }

    /**
     * The number of parameter elements that are not zero.
     *
     * @param m the module
     * @return the nonzero count
     */
    public static long nonzeroParams(Module m) {
        return CoreApi.count_nonzero_parameters(m);
    }

    /**
     * Bytes of the module saved with torch::save (serialize::OutputArchive) to a file.
     *
     * @param m the module
     * @return the file's size in bytes
     */
    public static long savedBytes(Module m) {
        try {
            Path tmp = Files.createTempFile("torchslim-size", ".pt");
            try {
                try (OutputArchive archive = new OutputArchive()) {
                    m.save(archive);
                    archive.save_to(tmp.toString());
                }
                return Files.size(tmp);
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot measure saved size", e);
        }
    }

    /**
     * Bytes of a ScriptModel saved as TorchScript (what Python's torch.jit.load reads) to a file.
     *
     * @param m the model
     * @return the file's size in bytes
     */
    public static long savedBytes(ScriptModel m) {
        try {
            Path dir = Files.createTempDirectory("torchslim-size");
            Path file = dir.resolve("model.pt");
            try {
                m.save(file);
                return Files.size(file);
            } finally {
                Files.deleteIfExists(file);
                Files.deleteIfExists(dir);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot measure saved size", e);
        }
    }

    /**
     * Median milliseconds of one forward pass over batch (no grad), after a warm-up.
     *
     * @param model the model to time
     * @param batch the input
     * @return the median latency in milliseconds
     */
    public static double latencyMs(Evaluable model, Tensor batch) {
        double[] ms = new double[RUNS];
        try (NoGradGuard noGrad = new NoGradGuard()) {
            for (int i = 0; i < WARMUP + RUNS; i++) {
                try (TensorScope scope = new TensorScope()) {
                    long t0 = System.nanoTime();
                    model.forward(batch);
                    long t1 = System.nanoTime();
                    if (i >= WARMUP) {
                        ms[i - WARMUP] = (t1 - t0) / 1e6;
                    }
                }
            }
        }
        Arrays.sort(ms);
        return ms[RUNS / 2];
    }
}
