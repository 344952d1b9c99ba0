package dev.torchslim.jni;

import dev.torchslim.core.NativeLibrary;
import dev.torchslim.core.TorchSlimException;
import org.bytedeco.javacpp.annotation.ByRef;
import org.bytedeco.javacpp.annotation.Cast;
import org.bytedeco.javacpp.annotation.Namespace;
import org.bytedeco.javacpp.annotation.StdString;
import org.bytedeco.javacpp.annotation.SharedPtr;
import org.bytedeco.pytorch.AdaptiveAvgPool2dImpl;
import org.bytedeco.pytorch.AvgPool2dImpl;
import org.bytedeco.pytorch.BatchNorm1dImpl;
import org.bytedeco.pytorch.BatchNorm2dImpl;
import org.bytedeco.pytorch.Dropout2dImpl;
import org.bytedeco.pytorch.DropoutImpl;
import org.bytedeco.pytorch.MaxPool2dImpl;
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

    public static native @SharedPtr MaxPool2dImpl make_max_pool2d(long kernel, long stride) throws TorchSlimException;

    public static native @SharedPtr AvgPool2dImpl make_avg_pool2d(long kernel, long stride) throws TorchSlimException;

    public static native @SharedPtr AdaptiveAvgPool2dImpl make_adaptive_avg_pool2d(long height, long width)
            throws TorchSlimException;

    public static native @SharedPtr DropoutImpl make_dropout(double p) throws TorchSlimException;

    public static native @SharedPtr Dropout2dImpl make_dropout2d(double p) throws TorchSlimException;

    public static native @SharedPtr BatchNorm1dImpl make_batch_norm1d(long features) throws TorchSlimException;

    public static native @SharedPtr BatchNorm2dImpl make_batch_norm2d(long features) throws TorchSlimException;

    public static native void set_num_threads(int threads) throws TorchSlimException;

    public static native int num_threads();

    public static native @Cast("bool") boolean set_blas_threads(int threads) throws TorchSlimException;

    public static native int blas_threads();

    public static native @Cast("bool") boolean set_parallel_gemm(@Cast("bool") boolean enabled) throws TorchSlimException;

    public static native @Cast("bool") boolean parallel_gemm();

    public static native @ByVal TensorVector load_tensors(@StdString String path, @ByRef StringVector names)
            throws TorchSlimException;
}
