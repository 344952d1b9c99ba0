package example;

import dev.torchslim.graph.ScriptModel;
import dev.torchslim.prune.EasyPrune;
import dev.torchslim.quantize.Int8DynamicConfig;
import dev.torchslim.quantize.Quantize;
import java.nio.file.Files;
import java.nio.file.Path;
import org.bytedeco.pytorch.LinearImpl;
import org.bytedeco.pytorch.ReLUImpl;
import org.bytedeco.pytorch.SequentialImpl;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/** A user's program: build a model, prune it, quantize it, save it, load it back and run it. */
public final class Consumer {
    public static void main(String[] args) throws Exception {
        Path out = Path.of(args.length > 0 ? args[0] : "consumer-int8.pt");
        torch.manual_seed(0);
        SequentialImpl model = new SequentialImpl();
        model.push_back("fc1", new LinearImpl(16, 32));
        model.push_back("relu", new ReLUImpl());
        model.push_back("fc2", new LinearImpl(32, 4));
        EasyPrune pruning = new EasyPrune(model, 0.5).prune();
        pruning.unprune();
        Tensor x = torch.randn(8, 16);
        try (ScriptModel graph = ScriptModel.trace(model, x);
             ScriptModel int8 = Quantize.apply(graph, Int8DynamicConfig.config())) {
            int8.save(out);
        }
        try (ScriptModel loaded = ScriptModel.load(out)) {
            Tensor y = loaded.forward(x);
            long zeros = model.parameters().get(0).eq(torch.zeros(1)).sum().item_long();
            System.out.println("consumer: output " + java.util.Arrays.toString(y.sizes().vec().get())
                    + ", fc1 zeros " + zeros + " of 512, file " + Files.size(out) + " bytes");
            if (y.size(0) != 8 || y.size(1) != 4 || zeros != 256) {
                throw new AssertionError("unexpected result");
            }
        }
    }
}
