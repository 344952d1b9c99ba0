package dev.torchslim.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.torchslim.jni.CudaApi;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

class CudaStreamTest {
    @Test
    void withoutCudaStreamsAndKernelsThrowAClearException() {
        assumeFalse(Device.cudaAvailable(), "a GPU is present: see the gpu-tagged tests");
        assertEquals(0, Device.cudaDeviceCount());
        TorchSlimException e = assertThrows(TorchSlimException.class, () -> CudaStream.create(Device.cuda(0)));
        assertTrue(e.getMessage().contains("CUDA"), e.getMessage());
        try (TensorScope scope = new TensorScope()) {
            Tensor w = torch.ones(4);
            TorchSlimException k = assertThrows(TorchSlimException.class, () -> CudaApi.cuda_apply_mask(w, w, null));
            assertTrue(k.getMessage().contains("CUDA"), k.getMessage());
        }
    }

    @Test
    void aStreamNeedsACudaDevice() {
        assertThrows(IllegalArgumentException.class, () -> CudaStream.create(Device.CPU));
        assertThrows(IllegalArgumentException.class, () -> Device.cuda(-1));
        assertEquals(Device.cuda(3), Device.parse("cuda:3"));
        assertEquals(Device.CPU, Device.parse("cpu"));
        assertThrows(IllegalArgumentException.class, () -> Device.parse("tpu"));
    }

    @Test
    @Tag("gpu")
    void streamRunsTheMaskKernelAndClosesOnce() {
        assumeTrue(Device.cudaAvailable(), "no CUDA device");
        try (CudaStream stream = CudaStream.create(Device.cuda(0));
             TensorScope scope = new TensorScope()) {
            org.bytedeco.pytorch.Device cuda = Device.cuda(0).toTorch();
            Tensor w = torch.ones(1000).to(cuda, torch.ScalarType.Float);
            Tensor mask = torch.arange(new org.bytedeco.pytorch.Scalar(1000)).remainder(new org.bytedeco.pytorch.Scalar(2))
                    .to(cuda, torch.ScalarType.Float);
            try (CudaStream.Current current = stream.makeCurrent()) {
                CudaApi.cuda_apply_mask(w, mask, stream.nativeStream());
                stream.synchronize();
            }
            assertEquals(500.0f, w.sum().item_float());
            assertFalse(stream.isClosed());
            stream.close();
            assertTrue(stream.isClosed());
            assertThrows(IllegalStateException.class, stream::synchronize);
        }
    }
}
