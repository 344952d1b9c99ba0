package dev.torchslim.core;

import dev.torchslim.jni.CoreApi;

/** Versions and process-wide LibTorch settings. */
public final class TorchSlim {
    private TorchSlim() {}

    /** TorchSlim's version. */
    public static String version() {
        NativeLibrary.ensureLoaded();
        return CoreApi.version();
    }

    /** The LibTorch version the natives were compiled against. */
    public static String torchVersion() {
        NativeLibrary.ensureLoaded();
        return CoreApi.torch_version();
    }

    /** True when the natives carry CUDA kernels (built with -Pgpu). */
    public static boolean builtWithCuda() {
        NativeLibrary.ensureLoaded();
        return CoreApi.built_with_cuda();
    }

    /** Sets LibTorch's intra-op thread count (like torch.set_num_threads). */
    public static void setNumThreads(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        }
        NativeLibrary.ensureLoaded();
        CoreApi.set_num_threads(threads);
    }

    /** LibTorch's intra-op thread count. */
    public static int numThreads() {
        NativeLibrary.ensureLoaded();
        return CoreApi.num_threads();
    }
}
