package dev.torchslim.jni;

import dev.torchslim.core.NativeLibrary;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.annotation.ByVal;
import org.bytedeco.javacpp.annotation.Const;
import org.bytedeco.javacpp.annotation.ByRef;
import org.bytedeco.javacpp.annotation.Name;
import org.bytedeco.javacpp.annotation.Properties;
import org.bytedeco.javacpp.annotation.Virtual;
import org.bytedeco.pytorch.Tensor;

/** Binding of torchslim::TraceForward: a Java forward that LibTorch's tracer records. */
@Properties(inherit = NativePresets.class)
@Name("torchslim::TraceForward")
public class NativeTraceForward extends Pointer {
    static {
        NativeLibrary.load(NativeTraceForward.class);
    }

    protected NativeTraceForward() {
        allocate();
    }

    private native void allocate();

    /** Called by the tracer, on the tracing thread, with the example input. Subclasses override it. */
    @Virtual(true)
    public native @ByVal Tensor forward(@Const @ByRef Tensor input);
}
