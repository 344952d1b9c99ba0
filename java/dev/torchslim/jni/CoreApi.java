package dev.torchslim.jni;

import dev.torchslim.core.NativeLibrary;
import dev.torchslim.core.TorchSlimException;
import org.bytedeco.javacpp.annotation.ByRef;
import org.bytedeco.javacpp.annotation.Cast;
import org.bytedeco.javacpp.annotation.Namespace;
import org.bytedeco.javacpp.annotation.StdString;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.StringVector;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.javacpp.annotation.ByVal;

/** Binding of native/include/torchslim/core.h. Use the typed API in dev.torchslim.core instead. */
@Namespace("torchslim")
public final class CoreApi extends NativePresets {
    static {
        NativeLibrary.load(CoreApi.class);
    }

    private CoreApi() {}

    public static native @StdString String version();

    public static native @StdString String torch_version();

    public static native @Cast("bool") boolean built_with_cuda();

    public static native long count_parameters(@ByRef Module module) throws TorchSlimException;

    public static native long count_nonzero_parameters(@ByRef Module module) throws TorchSlimException;

    public static native long state_bytes(@ByRef Module module) throws TorchSlimException;

    public static native void copy_state(@ByRef Module destination, @ByRef Module source)
            throws TorchSlimException;

    public static native void set_num_threads(int threads) throws TorchSlimException;

    public static native int num_threads();

    public static native @Cast("bool") boolean set_blas_threads(int threads) throws TorchSlimException;

    public static native int blas_threads();

    public static native @ByVal TensorVector load_tensors(@StdString String path, @ByRef StringVector names)
            throws TorchSlimException;
}
