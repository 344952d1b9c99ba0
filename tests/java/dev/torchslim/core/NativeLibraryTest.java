package dev.torchslim.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.torchslim.jni.CoreApi;
import org.bytedeco.pytorch.LinearImpl;
import org.bytedeco.pytorch.SequentialImpl;
import org.junit.jupiter.api.Test;

class NativeLibraryTest {
    @Test
    void loadsAgainstTheSameLibTorchAsJava() {
        NativeLibrary.ensureLoaded();
        assertEquals(NativeLibrary.EXPECTED_TORCH, TorchSlim.torchVersion());
        assertEquals("0.1.0", TorchSlim.version());
        // A module built by Java's LibTorch, read by ours: only works when both share one LibTorch.
        SequentialImpl model = new SequentialImpl();
        model.push_back("fc", new LinearImpl(4, 3));
        assertEquals(4 * 3 + 3, CoreApi.count_parameters(model));
    }

    @Test
    void nativeErrorArrivesAsTorchSlimExceptionWithoutBacktrace() {
        SequentialImpl a = new SequentialImpl();
        a.push_back("fc", new LinearImpl(4, 3));
        SequentialImpl b = new SequentialImpl();
        b.push_back("fc", new LinearImpl(5, 3));
        TorchSlimException e = assertThrows(TorchSlimException.class, () -> CoreApi.copy_state(a, b));
        assertTrue(e.getMessage().contains("fc.weight"), e.getMessage());
        assertTrue(e.getMessage().contains("[3, 4]") && e.getMessage().contains("[3, 5]"), e.getMessage());
        assertFalse(e.getMessage().contains("Exception raised from"), "backtrace leaked: " + e.getMessage());
        // The JVM is still fine and the destination untouched: a later call works.
        assertEquals(15, CoreApi.count_parameters(a));
    }

    @Test
    void badArgumentsAreCheckedInJavaFirst() {
        assertThrows(IllegalArgumentException.class, () -> TorchSlim.setNumThreads(0));
    }

    @Test
    void openBlasRunsOneThreadBesideLibTorchsOwn() {
        NativeLibrary.ensureLoaded();
        if (System.getenv("OPENBLAS_NUM_THREADS") == null && System.getProperty("torchslim.blasThreads") == null) {
            assertEquals(1, TorchSlim.blasThreads());
        }
        assertTrue(TorchSlim.setBlasThreads(2), "bytedeco's CPU LibTorch uses OpenBLAS");
        assertEquals(2, TorchSlim.blasThreads());
        assertTrue(TorchSlim.setBlasThreads(1));
        assertEquals(1, TorchSlim.blasThreads());
        assertThrows(IllegalArgumentException.class, () -> TorchSlim.setBlasThreads(0));
    }

    @Test
    void fp32GemmRoutingIsOnByDefaultAndKeepsLinearOutputs() {
        NativeLibrary.ensureLoaded();
        if (System.getProperty("torchslim.parallelGemm") == null) {
            assertTrue(TorchSlim.parallelGemm());
        }
        int threads = TorchSlim.numThreads();
        TorchSlim.setNumThreads(2);
        try (TensorScope scope = new TensorScope()) {
            LinearImpl fc = new LinearImpl(1024, 768);
            for (int batch : new int[] {1, 5, 64}) {
                org.bytedeco.pytorch.Tensor x = org.bytedeco.pytorch.global.torch.randn(batch, 1024);
                boolean was = TorchSlim.setParallelGemm(false);
                org.bytedeco.pytorch.Tensor libtorch = fc.forward(x);
                TorchSlim.setParallelGemm(true);
                org.bytedeco.pytorch.Tensor routed = fc.forward(x);
                TorchSlim.setParallelGemm(was);
                double scale = libtorch.abs().max().item_double();
                double diff = routed.sub(libtorch).abs().max().item_double();
                assertTrue(diff <= 2e-5 * scale, "batch " + batch + ": max difference " + diff + " of " + scale);
            }
        } finally {
            TorchSlim.setNumThreads(threads);
        }
    }

    @Test
    void threadCountRoundTrips() {
        int before = TorchSlim.numThreads();
        TorchSlim.setNumThreads(1);
        assertEquals(1, TorchSlim.numThreads());
        TorchSlim.setNumThreads(before);
        assertEquals(before, TorchSlim.numThreads());
    }
}
