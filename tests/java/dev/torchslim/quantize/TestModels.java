package dev.torchslim.quantize;

import dev.torchslim.oracle.Npy;
import java.io.IOException;
import java.nio.file.Path;
import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.pytorch.Conv2dImpl;
import org.bytedeco.pytorch.FlattenImpl;
import org.bytedeco.pytorch.LinearImpl;
import org.bytedeco.pytorch.MaxPool2dImpl;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.ReLUImpl;
import org.bytedeco.pytorch.SequentialImpl;
import org.bytedeco.pytorch.StringTensorDict;
import org.bytedeco.pytorch.Tensor;

/** Small Sequential models from the spec strings tests/oracle/quant_models.py also reads. */
final class TestModels {
    static final String MLP = "linear:64:48,relu,linear:48:10";
    static final String CNN = "conv:1:4:3,relu,maxpool:2,flatten,linear:36:5";

    private TestModels() {}

    static SequentialImpl build(String spec) {
        SequentialImpl model = new SequentialImpl();
        int i = 0;
        for (String item : spec.split(",")) {
            String[] p = item.split(":");
            String name = Integer.toString(i++);
            switch (p[0]) {
                case "linear" -> model.push_back(name, new LinearImpl(Long.parseLong(p[1]), Long.parseLong(p[2])));
                case "conv" -> model.push_back(name, new Conv2dImpl(Long.parseLong(p[1]), Long.parseLong(p[2]),
                        new LongPointer(Long.parseLong(p[3]), Long.parseLong(p[3]))));
                case "relu" -> model.push_back(name, new ReLUImpl());
                case "maxpool" -> model.push_back(name, new MaxPool2dImpl(new LongPointer(Long.parseLong(p[1]),
                        Long.parseLong(p[1]))));
                case "flatten" -> model.push_back(name, new FlattenImpl());
                default -> throw new IllegalArgumentException(item);
            }
        }
        model.eval();
        return model;
    }

    static void writeWeights(Module model, Path dir) throws IOException {
        StringTensorDict params = model.named_parameters();
        for (long i = 0; i < params.size(); i++) {
            Npy.write(dir.resolve(params.get(i).key().getString() + ".npy"), params.get(i).value());
        }
    }

    /** max |a - b| / max |b|. */
    static double relativeError(Tensor a, Tensor b) {
        return a.sub(b).abs().max().item_double() / b.abs().max().item_double();
    }
}
