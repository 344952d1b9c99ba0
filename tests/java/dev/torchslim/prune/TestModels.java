package dev.torchslim.prune;

import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.pytorch.Conv2dImpl;
import org.bytedeco.pytorch.Conv2dOptions;
import org.bytedeco.pytorch.Dropout2dImpl;
import org.bytedeco.pytorch.DropoutImpl;
import org.bytedeco.pytorch.FlattenImpl;
import org.bytedeco.pytorch.LinearImpl;
import org.bytedeco.pytorch.LogSoftmaxImpl;
import org.bytedeco.pytorch.MaxPool2dImpl;
import org.bytedeco.pytorch.MaxPool2dOptions;
import org.bytedeco.pytorch.ReLUImpl;
import org.bytedeco.pytorch.SequentialImpl;
import org.bytedeco.pytorch.global.torch;

/** Small models built in Java for the pruning tests. */
final class TestModels {
    private TestModels() {}

    /** The demo's CNN shape: 1x28x28 in, 10 log-probabilities out. */
    static SequentialImpl demoCnn(long seed) {
        torch.manual_seed(seed);
        SequentialImpl m = new SequentialImpl();
        m.push_back("conv1", new Conv2dImpl(new Conv2dOptions(1, 10, new LongPointer(5L, 5L))));
        m.push_back("pool1", new MaxPool2dImpl(new MaxPool2dOptions(new LongPointer(2L, 2L))));
        m.push_back("relu1", new ReLUImpl());
        m.push_back("conv2", new Conv2dImpl(new Conv2dOptions(10, 20, new LongPointer(5L, 5L))));
        m.push_back("drop1", new Dropout2dImpl(0.5));
        m.push_back("pool2", new MaxPool2dImpl(new MaxPool2dOptions(new LongPointer(2L, 2L))));
        m.push_back("relu2", new ReLUImpl());
        m.push_back("flatten", new FlattenImpl());
        m.push_back("fc1", new LinearImpl(320, 50));
        m.push_back("relu3", new ReLUImpl());
        m.push_back("drop2", new DropoutImpl(0.5));
        m.push_back("fc2", new LinearImpl(50, 10));
        m.push_back("logsoftmax", new LogSoftmaxImpl(1));
        return m;
    }
}
