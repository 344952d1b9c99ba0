package dev.torchslim.jni;

import dev.torchslim.core.NativeLibrary;
import dev.torchslim.core.TorchSlimException;
import org.bytedeco.javacpp.annotation.ByRef;
import org.bytedeco.javacpp.annotation.Cast;
import org.bytedeco.javacpp.annotation.Const;
import org.bytedeco.javacpp.annotation.Namespace;
import org.bytedeco.pytorch.Tensor;

/** Binding of the free functions of native/include/torchslim/cuda.h. */
@Namespace("torchslim")
public final class CudaApi extends NativePresets {
    static {
        NativeLibrary.load(CudaApi.class);
    }

    private CudaApi() {}

    public static native @Cast("bool") boolean cuda_available();

    public static native int cuda_device_count();

    public static native void cuda_apply_mask(@ByRef Tensor weight, @Const @ByRef Tensor mask,
            NativeCudaStream stream) throws TorchSlimException;
}
