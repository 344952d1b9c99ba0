package dev.torchslim.core;

import dev.torchslim.jni.CoreApi;

/** Versions and process-wide LibTorch settings. */
public final class TorchSlim {
    private TorchSlim() {}

    /**
     * The build's versions, read without loading any native code: {@code torchslim.version} (the
     * Maven version, e.g. 0.1.0-SNAPSHOT), {@code torch.version}, {@code pytorch.presets.version}
     * and {@code javacpp.version}.
     *
     * @return the build's version properties
     */
    public static java.util.Properties buildInfo() {
        java.util.Properties p = new java.util.Properties();
        try (java.io.InputStream in = TorchSlim.class.getResourceAsStream("/dev/torchslim/version.properties")) {
            if (in != null) {
                p.load(in);
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("cannot read TorchSlim's version.properties", e);
        }
        return p;
    }

    /**
     * The version of TorchSlim's native library (major.minor.patch).
     *
     * @return the native library's version
     */
    public static String version() {
        NativeLibrary.ensureLoaded();
        return CoreApi.version();
    }

    /**
     * The LibTorch version the natives were compiled against.
     *
     * @return LibTorch's version, e.g. "2.13.0"
     */
    public static String torchVersion() {
        NativeLibrary.ensureLoaded();
        return CoreApi.torch_version();
    }

    /**
     * True when the natives carry CUDA kernels (built with -Pgpu).
     *
     * @return whether CUDA kernels are built in
     */
    public static boolean builtWithCuda() {
        NativeLibrary.ensureLoaded();
        return CoreApi.built_with_cuda();
    }

    /**
     * Sets LibTorch's intra-op thread count (like torch.set_num_threads).
     *
     * @param threads the thread count, at least 1
     */
    public static void setNumThreads(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        }
        NativeLibrary.ensureLoaded();
        CoreApi.set_num_threads(threads);
    }

    /**
     * LibTorch's intra-op thread count.
     *
     * @return the intra-op thread count
     */
    public static int numThreads() {
        NativeLibrary.ensureLoaded();
        return CoreApi.num_threads();
    }

    /**
     * Sets the thread count of the OpenBLAS inside bytedeco's CPU LibTorch. TorchSlim sets it to 1
     * when it loads (unless OPENBLAS_NUM_THREADS or -Dtorchslim.blasThreads says otherwise):
     * OpenBLAS's own spinning threads fight LibTorch's OpenMP threads for the cores and make a
     * small CNN's training step 7× slower; LibTorch parallelises the rest itself. Large fp32
     * GEMMs (say 128×4096 by 4096×4096) gain from more BLAS threads: raise it for those.
     *
     * @return false when this LibTorch uses no OpenBLAS (MKL builds)
     * @param threads the thread count, at least 1
     */
    public static boolean setBlasThreads(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        }
        NativeLibrary.ensureLoaded();
        return CoreApi.set_blas_threads(threads);
    }

    /**
     * OpenBLAS's thread count, or -1 when this LibTorch uses no OpenBLAS.
     *
     * @return the OpenBLAS thread count, or -1
     */
    public static int blasThreads() {
        NativeLibrary.ensureLoaded();
        return CoreApi.blas_threads();
    }

    /**
     * Turns TorchSlim's fp32 matrix-product routing on or off (on by default; off from the start
     * with {@code -Dtorchslim.parallelGemm=false}). bytedeco's CPU LibTorch computes fp32 GEMMs
     * in OpenBLAS at one thread (see {@link #setBlasThreads}), whose sgemm does not turn a
     * one-row product into a matrix-vector one: a batch-1 Linear 4096×4096 took 5× longer than
     * Python's. When on, CPU fp32 {@code aten::addmm} and {@code aten::mm} (Linear, matmul and
     * their gradients, in Java modules and TorchScript models alike) send one row to gemv and
     * split large products over LibTorch's intra-op threads, each block computed by LibTorch's
     * own kernel; where OpenBLAS has its small-matrix kernels (AVX-512 cores), products of up to
     * ~4M multiply-adds run them on blocks of output columns instead. Batch-1 1×1 convolutions (stride 1, no padding) are the same product and take the
     * same split, and batch-1 3×3 depthwise convolutions (padding 1, stride 1 or 2), which LibTorch
     * sends to oneDNN at a fixed cost per call, run a direct kernel on the NCHW planes instead. An
     * {@code index_select} of a contiguous float tensor (how a channel-pruned model reads the kept
     * features of its input, and how an embedding reads its rows) is a plain copy loop,
     * {@code aten::native_layer_norm} of up to 65,536 elements runs on one thread in AVX2
     * registers, and {@code aten::gelu} (erf form) of up to 8,192 elements in AVX2 registers
     * instead of oneDNN's primitive.
     * Results equal LibTorch's within float rounding (the summation order of a block may differ;
     * GELU within 2e-6 of LibTorch's, and closer to the exact value in its negative tail).
     * The setting is process-wide.
     *
     * @param enabled true to route, false for LibTorch's kernels
     * @return whether routing was on before
     */
    public static boolean setParallelGemm(boolean enabled) {
        NativeLibrary.ensureLoaded();
        return CoreApi.set_parallel_gemm(enabled);
    }

    /**
     * Whether TorchSlim's fp32 matrix-product routing is on (see {@link #setParallelGemm}).
     *
     * @return true when on
     */
    public static boolean parallelGemm() {
        NativeLibrary.ensureLoaded();
        return CoreApi.parallel_gemm();
    }
}
