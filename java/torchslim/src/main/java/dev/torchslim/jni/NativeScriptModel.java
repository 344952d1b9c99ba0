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
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;

/** Binding of torchslim::ScriptModel (native/include/torchslim/graph.h). Use dev.torchslim.graph.ScriptModel. */
@Properties(inherit = NativePresets.class)
@Name("torchslim::ScriptModel")
@NoOffset
public class NativeScriptModel extends Pointer {
    static {
        NativeLibrary.load(NativeScriptModel.class);
    }

    public NativeScriptModel() {
        allocate();
    }

    private native void allocate();

    public native void load(@StdString String path) throws TorchSlimException;

    public native void trace_sequential(@ByRef Module module, @Const @ByRef Tensor example) throws TorchSlimException;

    public native void trace_module(@ByRef Module module, @ByRef NativeTraceForward forward,
            @Const @ByRef Tensor example) throws TorchSlimException;

    public native void copy_from(@Const @ByRef NativeScriptModel other) throws TorchSlimException;

    public native void save(@StdString String path) throws TorchSlimException;

    public native @Cast("bool") boolean empty();

    public native @ByVal Tensor forward(@Const @ByRef Tensor input) throws TorchSlimException;

    public native @ByVal TensorVector forward_all(@Const @ByRef TensorVector inputs) throws TorchSlimException;

    public native @StdString String modules() throws TorchSlimException;

    public native @StdString String parameter_table() throws TorchSlimException;

    public native @StdString String buffer_table() throws TorchSlimException;

    public native @ByVal TensorVector parameters() throws TorchSlimException;

    public native @StdString String ops() throws TorchSlimException;

    public native @StdString String graph_text() throws TorchSlimException;

    public native @StdString String schema() throws TorchSlimException;

    public native void train(@Cast("bool") boolean on) throws TorchSlimException;

    public native @Cast("bool") boolean is_training() throws TorchSlimException;

    public native @Cast("int64_t") long parameter_count() throws TorchSlimException;

    public native @Cast("int64_t") long nonzero_parameter_count() throws TorchSlimException;

    public native @Cast("int64_t") long state_bytes() throws TorchSlimException;
}
