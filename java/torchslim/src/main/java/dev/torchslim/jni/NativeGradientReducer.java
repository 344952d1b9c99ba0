package dev.torchslim.jni;

import dev.torchslim.core.NativeLibrary;
import dev.torchslim.core.TorchSlimException;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.annotation.ByRef;
import org.bytedeco.javacpp.annotation.Cast;
import org.bytedeco.javacpp.annotation.Const;
import org.bytedeco.javacpp.annotation.Name;
import org.bytedeco.javacpp.annotation.NoOffset;
import org.bytedeco.javacpp.annotation.Properties;
import org.bytedeco.javacpp.annotation.StdString;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;

/** Binding of torchslim::GradientReducer (native/include/torchslim/distributed.h). Use dev.torchslim.distributed.DataParallel. */
@Properties(inherit = NativePresets.class)
@Name("torchslim::GradientReducer")
@NoOffset
public class NativeGradientReducer extends Pointer {
    static {
        NativeLibrary.load(NativeGradientReducer.class);
    }

    /**
     * @param params the parameters whose gradients are reduced, in model order
     * @param bucketBytes the largest bucket
     * @param backend bytedeco's c10d backend (ProcessGroupGloo, ProcessGroupNCCL)
     * @param overlap start each bucket's all-reduce during backward
     */
    public NativeGradientReducer(TensorVector params, long bucketBytes, Pointer backend, boolean overlap) {
        allocate(params, bucketBytes, backend, overlap);
    }

    private native void allocate(@Const @ByRef TensorVector params, @Cast("int64_t") long bucketBytes,
            @Cast("void*") Pointer backend, @Cast("bool") boolean overlap) throws TorchSlimException;

    public native @Cast("int64_t") long bucket_count();

    public native @Cast("int64_t") long bucket_of(@Cast("int64_t") long i) throws TorchSlimException;

    public native void prepare(@Const @ByRef Tensor loss, double scale) throws TorchSlimException;

    public native void finish(@Const @ByRef Tensor extra) throws TorchSlimException;

    public native @Cast("int64_t") long started_before_finish();

    public native @Cast("int64_t") long completed_before_finish();

    public native @Cast("int64_t") long backward_us();

    public native @Cast("int64_t") long wait_us();

    public native @Cast("int64_t") long unused_count();

    public native @Cast("int64_t") long unused_at(@Cast("int64_t") long k);

    public native void record_events(@Cast("bool") boolean on);

    public native @StdString String events();
}
