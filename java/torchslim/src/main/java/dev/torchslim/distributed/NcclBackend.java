package dev.torchslim.distributed;

import org.bytedeco.pytorch.Backend;
import org.bytedeco.pytorch.Store;
import org.bytedeco.pytorch.nccl.ProcessGroupNCCL;

/**
 * NCCL process group for CUDA tensors. Apart so that the NCCL classes (whose natives ship only in
 * bytedeco's linux-x86_64-gpu jar) load only when asked for. Compiled, not yet run on a GPU.
 */
final class NcclBackend {
    private NcclBackend() {}

    static Backend create(Store store, Rendezvous r) {
        ProcessGroupNCCL.Options options = ProcessGroupNCCL.Options.create();
        options.timeout(new org.bytedeco.javacpp.chrono.Milliseconds(r.timeout().toMillis()));
        return new ProcessGroupNCCL(store, r.rank(), r.worldSize(), options);
    }
}
