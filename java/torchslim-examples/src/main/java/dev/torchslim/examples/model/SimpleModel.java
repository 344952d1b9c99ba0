package dev.torchslim.examples.model;

import dev.torchslim.core.NativeLibrary;
import dev.torchslim.model.Modules;
import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.pytorch.Conv2dImpl;
import org.bytedeco.pytorch.Conv2dOptions;
import org.bytedeco.pytorch.FlattenImpl;
import org.bytedeco.pytorch.LinearImpl;
import org.bytedeco.pytorch.LogSoftmaxImpl;
import org.bytedeco.pytorch.ReLUImpl;
import org.bytedeco.pytorch.SequentialImpl;

/**
 * The seed's SimpleModel for 28×28 grey images, as a {@link SequentialImpl} whose every step is
 * a module (pooling, activations, dropout, flatten too), so structural transforms can walk it:
 * conv1 1→10 k5, pool 2, relu, conv2 10→20 k5, dropout2d, pool 2, relu, flatten, fc1 320→50,
 * relu, dropout, fc2 50→10, log_softmax.
 */
public final class SimpleModel {
    /** The input shape of one example: one channel of 28 x 28 pixels. */
    public static final long[] INPUT_SHAPE = {1, 28, 28};

    private SimpleModel() {}

    /**
     * A new SimpleModel with freshly initialised weights (LibTorch's default initialisation).
     *
     * @return the model
     */
    public static SequentialImpl create() {
        NativeLibrary.ensureLoaded();
        SequentialImpl m = new SequentialImpl();
        m.push_back("conv1", new Conv2dImpl(new Conv2dOptions(1, 10, new LongPointer(5L, 5L))));
        m.push_back("pool1", Modules.maxPool2d(2));
        m.push_back("relu1", new ReLUImpl());
        m.push_back("conv2", new Conv2dImpl(new Conv2dOptions(10, 20, new LongPointer(5L, 5L))));
        m.push_back("conv2_drop", Modules.dropout2d(0.5));
        m.push_back("pool2", Modules.maxPool2d(2));
        m.push_back("relu2", new ReLUImpl());
        m.push_back("flatten", new FlattenImpl());
        m.push_back("fc1", new LinearImpl(320, 50));
        m.push_back("relu3", new ReLUImpl());
        m.push_back("dropout", Modules.dropout(0.5));
        m.push_back("fc2", new LinearImpl(50, 10));
        m.push_back("log_softmax", new LogSoftmaxImpl(1));
        return m;
    }
}
