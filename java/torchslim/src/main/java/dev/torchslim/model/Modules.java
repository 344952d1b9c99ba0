package dev.torchslim.model;

import dev.torchslim.core.NativeLibrary;
import dev.torchslim.jni.CoreApi;
import org.bytedeco.pytorch.AdaptiveAvgPool2dImpl;
import org.bytedeco.pytorch.AvgPool2dImpl;
import org.bytedeco.pytorch.BatchNorm1dImpl;
import org.bytedeco.pytorch.BatchNorm2dImpl;
import org.bytedeco.pytorch.Dropout2dImpl;
import org.bytedeco.pytorch.DropoutImpl;
import org.bytedeco.pytorch.MaxPool2dImpl;

/**
 * Safe constructors for the bytedeco modules whose own Java constructors crash the JVM once they
 * are in a {@code Sequential}: in bytedeco pytorch 2.13.0-1.5.14, {@code new MaxPool2dImpl(...)},
 * {@code new DropoutImpl(...)}, {@code new BatchNorm2dImpl(...)} and the other pooling, dropout,
 * normalization and padding classes allocate with a plain {@code new} rather than a
 * {@code shared_ptr}. {@code push_back} then makes the {@code Sequential} a second owner, and when
 * the garbage collector frees the Java object, the {@code Sequential} keeps a dangling child
 * (SIGSEGV in {@code Module::train} or {@code forward}; hidden when
 * {@code -Dorg.bytedeco.javacpp.nopointergc=true}). The modules made here are shared-owned from
 * birth, so either side may go first. Conv, Linear, ReLU, Flatten, LogSoftmax, Embedding, LSTM
 * and GRU constructors are shared-owned already and safe to use directly.
 */
public final class Modules {
    private Modules() {}

    /**
     * {@code nn.MaxPool2d(kernel, stride)}.
     *
     * @param kernel square window size, {@code > 0}
     * @param stride step between windows, {@code > 0}
     * @return a shared-owned module
     * @throws dev.torchslim.core.TorchSlimException when kernel or stride is not positive
     */
    public static MaxPool2dImpl maxPool2d(long kernel, long stride) {
        NativeLibrary.ensureLoaded();
        return CoreApi.make_max_pool2d(kernel, stride);
    }

    /**
     * {@code nn.MaxPool2d(kernel)}: stride equal to the kernel, as in PyTorch.
     *
     * @param kernel square window size, {@code > 0}
     * @return a shared-owned module
     */
    public static MaxPool2dImpl maxPool2d(long kernel) {
        return maxPool2d(kernel, kernel);
    }

    /**
     * {@code nn.AvgPool2d(kernel, stride)}.
     *
     * @param kernel square window size, {@code > 0}
     * @param stride step between windows, {@code > 0}
     * @return a shared-owned module
     */
    public static AvgPool2dImpl avgPool2d(long kernel, long stride) {
        NativeLibrary.ensureLoaded();
        return CoreApi.make_avg_pool2d(kernel, stride);
    }

    /**
     * {@code nn.AdaptiveAvgPool2d((height, width))}.
     *
     * @param height output height, {@code > 0}
     * @param width output width, {@code > 0}
     * @return a shared-owned module
     */
    public static AdaptiveAvgPool2dImpl adaptiveAvgPool2d(long height, long width) {
        NativeLibrary.ensureLoaded();
        return CoreApi.make_adaptive_avg_pool2d(height, width);
    }

    /**
     * {@code nn.Dropout(p)}.
     *
     * @param p probability of zeroing an element, in [0, 1]
     * @return a shared-owned module
     * @throws dev.torchslim.core.TorchSlimException when p is outside [0, 1]
     */
    public static DropoutImpl dropout(double p) {
        NativeLibrary.ensureLoaded();
        return CoreApi.make_dropout(p);
    }

    /**
     * {@code nn.Dropout2d(p)}.
     *
     * @param p probability of zeroing a channel, in [0, 1]
     * @return a shared-owned module
     */
    public static Dropout2dImpl dropout2d(double p) {
        NativeLibrary.ensureLoaded();
        return CoreApi.make_dropout2d(p);
    }

    /**
     * {@code nn.BatchNorm1d(features)}.
     *
     * @param features number of features (channels), {@code > 0}
     * @return a shared-owned module
     */
    public static BatchNorm1dImpl batchNorm1d(long features) {
        NativeLibrary.ensureLoaded();
        return CoreApi.make_batch_norm1d(features);
    }

    /**
     * {@code nn.BatchNorm2d(features)}.
     *
     * @param features number of channels, {@code > 0}
     * @return a shared-owned module
     */
    public static BatchNorm2dImpl batchNorm2d(long features) {
        NativeLibrary.ensureLoaded();
        return CoreApi.make_batch_norm2d(features);
    }
}
