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
 * The demo's distillation student: SimpleModel's layers at 4/8/16 channels and no dropout
 * (3,146 parameters, 7x fewer than SimpleModel): conv1 1→4 k5, pool 2, relu, conv2 4→8 k5,
 * pool 2, relu, flatten, fc1 128→16, relu, fc2 16→10, log_softmax.
 */
public final class StudentModel {
    private StudentModel() {}

    /**
     * A new student with freshly initialised weights (LibTorch's default initialisation).
     *
     * @return the model
     */
    public static SequentialImpl create() {
        NativeLibrary.ensureLoaded();
        SequentialImpl m = new SequentialImpl();
        m.push_back("conv1", new Conv2dImpl(new Conv2dOptions(1, 4, new LongPointer(5L, 5L))));
        m.push_back("pool1", Modules.maxPool2d(2));
        m.push_back("relu1", new ReLUImpl());
        m.push_back("conv2", new Conv2dImpl(new Conv2dOptions(4, 8, new LongPointer(5L, 5L))));
        m.push_back("pool2", Modules.maxPool2d(2));
        m.push_back("relu2", new ReLUImpl());
        m.push_back("flatten", new FlattenImpl());
        m.push_back("fc1", new LinearImpl(128, 16));
        m.push_back("relu3", new ReLUImpl());
        m.push_back("fc2", new LinearImpl(16, 10));
        m.push_back("log_softmax", new LogSoftmaxImpl(1));
        return m;
    }
}
