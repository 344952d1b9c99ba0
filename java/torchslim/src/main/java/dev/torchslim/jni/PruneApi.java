package dev.torchslim.jni;

import dev.torchslim.core.NativeLibrary;
import dev.torchslim.core.TorchSlimException;
import org.bytedeco.javacpp.annotation.ByRef;
import org.bytedeco.javacpp.annotation.ByVal;
import org.bytedeco.javacpp.annotation.Cast;
import org.bytedeco.javacpp.annotation.Const;
import org.bytedeco.javacpp.annotation.Namespace;
import org.bytedeco.javacpp.annotation.StdString;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;

/** Binding of native/include/torchslim/prune.h. Use the typed API in dev.torchslim.prune instead. */
@Namespace("torchslim")
public final class PruneApi extends NativePresets {
    static {
        NativeLibrary.load(PruneApi.class);
    }

    private PruneApi() {}

    public static native @Cast("int64_t") long prune_count(@Cast("int64_t") long n, double amount)
            throws TorchSlimException;

    public static native @ByVal Tensor l1_unstructured_mask(@Const @ByRef Tensor weight, double amount)
            throws TorchSlimException;

    public static native @ByVal TensorVector global_l1_unstructured_masks(@Const @ByRef TensorVector weights,
            double amount) throws TorchSlimException;

    public static native @Cast("int64_t") long global_l1_prune_(@ByRef TensorVector weights, double amount)
            throws TorchSlimException;

    public static native @ByVal Tensor random_unstructured_mask(@Const @ByRef Tensor weight, double amount,
            @Cast("int64_t") long seed) throws TorchSlimException;

    public static native @ByVal Tensor ln_structured_mask(@Const @ByRef Tensor weight, double amount, double n,
            @Cast("int64_t") long dim) throws TorchSlimException;

    public static native @ByVal Tensor nm_mask(@Const @ByRef Tensor weight, @Cast("int64_t") long n,
            @Cast("int64_t") long m) throws TorchSlimException;

    public static native @ByVal Tensor importance_mask(@Const @ByRef Tensor importance, double amount)
            throws TorchSlimException;

    public static native @ByVal TensorVector global_importance_masks(@Const @ByRef TensorVector importances,
            double amount) throws TorchSlimException;

    public static native void accumulate_taylor_(@ByRef Tensor score, @Const @ByRef Tensor weight)
            throws TorchSlimException;

    public static native void apply_mask_(@ByRef Tensor weight, @Const @ByRef Tensor mask)
            throws TorchSlimException;

    public static native @Cast("int64_t") long register_mask_hook(@ByRef Tensor weight, @Const @ByRef Tensor mask)
            throws TorchSlimException;

    public static native void remove_mask_hook(@ByRef Tensor weight, @Cast("int64_t") long handle)
            throws TorchSlimException;

    public static native @StdString String remove_zero_channels(@ByRef Module model) throws TorchSlimException;

    public static native @StdString String prune_torchscript(@StdString String in, @StdString String out,
            @StdString String method, double amount, double n, @Cast("int64_t") long dim,
            @Cast("int64_t") long nmN, @Cast("int64_t") long nmM, @Cast("int64_t") long seed,
            @Cast("bool") boolean includeEmbedding) throws TorchSlimException;
}
