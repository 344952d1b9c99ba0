package dev.torchslim.reliability;

import dev.torchslim.core.NativeLibrary;
import dev.torchslim.jni.CoreApi;
import dev.torchslim.jni.PruneApi;
import org.bytedeco.pytorch.LinearImpl;
import org.bytedeco.pytorch.SequentialImpl;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * Calls into libtorchslim for the given milliseconds and prints "alive N" if it survives; the
 * JVM of tests/reliability/figures.sh whose libraries are replaced under it.
 */
public final class NativeCallLoop {
    private NativeCallLoop() {}

    public static void main(String[] args) {
        NativeLibrary.ensureLoaded();
        SequentialImpl model = new SequentialImpl();
        model.push_back("fc", new LinearImpl(64, 32));
        Tensor w = torch.rand(8, 8);
        long end = System.currentTimeMillis() + Long.parseLong(args[0]);
        long n = 0;
        while (System.currentTimeMillis() < end) {
            n += CoreApi.count_parameters(model) + CoreApi.count_nonzero_parameters(model);
            try (Tensor mask = PruneApi.l1_unstructured_mask(w, 0.5)) {
                n += mask.numel();
            }
        }
        System.out.println("alive " + n);
    }
}
