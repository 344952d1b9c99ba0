package dev.torchslim.jni;

import dev.torchslim.core.NativeLibrary;
import dev.torchslim.core.TorchSlimException;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.annotation.ByRef;
import org.bytedeco.javacpp.annotation.ByVal;
import org.bytedeco.javacpp.annotation.Cast;
import org.bytedeco.javacpp.annotation.Const;
import org.bytedeco.javacpp.annotation.Name;
import org.bytedeco.javacpp.annotation.NoOffset;
import org.bytedeco.javacpp.annotation.Properties;
import org.bytedeco.javacpp.annotation.StdString;
import org.bytedeco.pytorch.Tensor;

/** Binding of torchslim::QuantizedModel. Use dev.torchslim.quantize.QuantizedModel, which closes once. */
@Properties(inherit = NativePresets.class)
@Name("torchslim::QuantizedModel")
@NoOffset
public class NativeQuantizedModel extends Pointer {
    static {
        NativeLibrary.load(NativeQuantizedModel.class);
    }

    public NativeQuantizedModel() {
        allocate();
    }

    private native void allocate();

    public native @ByVal Tensor forward(@Const @ByRef Tensor input) throws TorchSlimException;

    public native void save(@StdString String path) throws TorchSlimException;

    public native void load(@StdString String path) throws TorchSlimException;

    public native void save_torchscript(@StdString String path) throws TorchSlimException;

    public native @Cast("bool") boolean empty();

    public native @StdString String mode();

    public native @StdString String engine();

    public native @Cast("int64_t") long size_bytes() throws TorchSlimException;

    public native @Cast("int64_t") long parameter_count();

    public native @Cast("int64_t") long nonzero_parameter_count() throws TorchSlimException;

    public native @StdString String describe() throws TorchSlimException;
}
