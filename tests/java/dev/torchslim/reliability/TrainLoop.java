package dev.torchslim.reliability;

import dev.torchslim.core.NativeLibrary;
import dev.torchslim.data.TensorData;
import dev.torchslim.graph.ScriptModel;
import dev.torchslim.train.GraphTrainer;
import dev.torchslim.train.Loss;
import java.nio.file.Paths;

/**
 * A fresh JVM that fine-tunes a TorchScript model "forever" (args: model, data), printing
 * "training" once the loop starts: the target of {@link TerminatedTrainingTest}'s SIGTERMs.
 */
public final class TrainLoop {
    private TrainLoop() {}

    public static void main(String[] args) {
        NativeLibrary.ensureLoaded();
        TensorData data = TensorData.load(Paths.get(args[1]));
        try (ScriptModel model = ScriptModel.load(Paths.get(args[0]))) {
            System.out.println("training");
            System.out.flush();
            GraphTrainer.fit(model, data, (output, target, rows) -> Loss.CE.compute(output, target),
                    new GraphTrainer.Config(16, 1e-4, 10_000, 0), true, null);
        }
    }
}
