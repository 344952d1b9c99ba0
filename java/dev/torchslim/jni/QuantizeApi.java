package dev.torchslim.jni;

import dev.torchslim.core.NativeLibrary;
import dev.torchslim.core.TorchSlimException;
import org.bytedeco.javacpp.annotation.ByRef;
import org.bytedeco.javacpp.annotation.Cast;
import org.bytedeco.javacpp.annotation.Namespace;
import org.bytedeco.javacpp.annotation.StdString;
import org.bytedeco.pytorch.Module;

/** Binding of the free functions of native/include/torchslim/quantize.h. Use dev.torchslim.quantize. */
@Namespace("torchslim")
public final class QuantizeApi extends NativePresets {
    static {
        NativeLibrary.load(QuantizeApi.class);
    }

    private QuantizeApi() {}

    public static native @StdString String quantized_engines() throws TorchSlimException;

    public static native @StdString String default_quantized_engine() throws TorchSlimException;

    public static native @StdString String quantizable_layers(@ByRef Module model) throws TorchSlimException;

    public static native void quantize_dynamic(@ByRef NativeQuantizedModel out, @ByRef Module model,
            @StdString String layers, @Cast("bool") boolean perChannel, @StdString String engine)
            throws TorchSlimException;

    public static native void save_weight_only(@ByRef Module model, @StdString String path, int bits, int groupSize)
            throws TorchSlimException;

    public static native void load_weight_only(@ByRef Module model, @StdString String path) throws TorchSlimException;

    public static native void fake_quantize_weights(@ByRef Module model, int bits, int groupSize)
            throws TorchSlimException;

    public static native void import_torchscript(@ByRef Module into, @StdString String path)
            throws TorchSlimException;

    public static native void torchscript_precision(@StdString String in, @StdString String out,
            @StdString String dtype) throws TorchSlimException;

    public static native void torchscript_weight_only(@StdString String in, @StdString String out, int bits,
            int groupSize) throws TorchSlimException;

    public static native void convert_precision(@ByRef Module model, @StdString String dtype)
            throws TorchSlimException;
}
