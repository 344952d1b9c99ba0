package dev.torchslim.jni;

import dev.torchslim.core.NativeLibrary;
import dev.torchslim.core.TorchSlimException;
import org.bytedeco.javacpp.annotation.ByRef;
import org.bytedeco.javacpp.annotation.Cast;
import org.bytedeco.javacpp.annotation.Const;
import org.bytedeco.javacpp.annotation.Namespace;
import org.bytedeco.javacpp.annotation.StdString;

/** Binding of the free functions of native/include/torchslim/quantize.h. Use dev.torchslim.quantize. */
@Namespace("torchslim")
public final class QuantizeApi extends NativePresets {
    static {
        NativeLibrary.load(QuantizeApi.class);
    }

    private QuantizeApi() {}

    public static native @StdString String quantized_engines() throws TorchSlimException;

    public static native @StdString String default_quantized_engine() throws TorchSlimException;

    public static native void prepare_int8(@ByRef NativeScriptModel out, @Const @ByRef NativeScriptModel model,
            @StdString String observer, @Cast("bool") boolean perChannel, @StdString String engine,
            @Cast("bool") boolean qat, @StdString String skip) throws TorchSlimException;

    public static native void convert_int8(@ByRef NativeScriptModel out, @Const @ByRef NativeScriptModel prepared,
            @StdString String engine) throws TorchSlimException;

    public static native void quantize_dynamic(@ByRef NativeScriptModel out, @Const @ByRef NativeScriptModel model,
            @Cast("bool") boolean perChannel, @StdString String engine, @Cast("bool") boolean rnn,
            @StdString String skip) throws TorchSlimException;

    public static native void convert_precision(@ByRef NativeScriptModel out, @Const @ByRef NativeScriptModel model,
            @StdString String dtype, @Cast("bool") boolean castOutput) throws TorchSlimException;

    public static native void weight_only(@ByRef NativeScriptModel out, @Const @ByRef NativeScriptModel model,
            int bits, int groupSize) throws TorchSlimException;
}
