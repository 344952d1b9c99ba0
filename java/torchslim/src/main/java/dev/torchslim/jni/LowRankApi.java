package dev.torchslim.jni;

import dev.torchslim.core.NativeLibrary;
import dev.torchslim.core.TorchSlimException;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.javacpp.annotation.ByRef;
import org.bytedeco.javacpp.annotation.ByVal;
import org.bytedeco.javacpp.annotation.Cast;
import org.bytedeco.javacpp.annotation.Const;
import org.bytedeco.javacpp.annotation.Namespace;
import org.bytedeco.javacpp.annotation.StdString;

/** Binding of the free functions of native/include/torchslim/lowrank.h. Use dev.torchslim.lowrank. */
@Namespace("torchslim")
public final class LowRankApi extends NativePresets {
    static {
        NativeLibrary.load(LowRankApi.class);
    }

    private LowRankApi() {}

    public static native @ByVal TensorVector truncated_svd(@Const @ByRef Tensor a, @Cast("int64_t") long rank,
            @StdString String method, @Cast("int64_t") long powerIterations, @Cast("int64_t") long oversample,
            @Cast("int64_t") long seed) throws TorchSlimException;

    public static native @StdString String linear_layers(@Const @ByRef NativeScriptModel model) throws TorchSlimException;

    public static native @ByVal Tensor linear_singular_values(@Const @ByRef NativeScriptModel model,
            @StdString String name) throws TorchSlimException;

    public static native void factorize_linear(@ByRef NativeScriptModel out, @Const @ByRef NativeScriptModel model,
            @StdString String plan, @StdString String method, @Cast("int64_t") long powerIterations,
            @Cast("int64_t") long seed) throws TorchSlimException;

    public static native @StdString String conv_layers(@Const @ByRef NativeScriptModel model) throws TorchSlimException;

    public static native @ByVal TensorVector conv_spectra(@Const @ByRef Tensor weight, @StdString String kind)
            throws TorchSlimException;

    public static native @ByVal Tensor conv_approximation(@Const @ByRef Tensor weight, @StdString String kind,
            @Cast("int64_t") long rankIn, @Cast("int64_t") long rankOut, @StdString String method,
            @Cast("int64_t") long powerIterations, @Cast("int64_t") long seed) throws TorchSlimException;

    public static native void factorize_conv(@ByRef NativeScriptModel out, @Const @ByRef NativeScriptModel model,
            @StdString String kind, @StdString String plan, @StdString String method,
            @Cast("int64_t") long powerIterations, @Cast("int64_t") long seed) throws TorchSlimException;
}
