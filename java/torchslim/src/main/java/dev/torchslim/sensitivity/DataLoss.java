package dev.torchslim.sensitivity;

import dev.torchslim.core.TensorScope;
import dev.torchslim.data.TensorData;
import dev.torchslim.graph.ScriptModel;
import dev.torchslim.train.Loss;
import org.bytedeco.pytorch.NoGradGuard;

/** The mean loss of a model over a data set, the measure every sensitivity point is. */
public final class DataLoss {
    private DataLoss() {}

    /**
     * The model's mean loss over the data, in eval mode without gradients (its mode is restored).
     *
     * @param model the model
     * @param data inputs and targets
     * @param loss the loss
     * @param batchSize rows per forward
     * @return the mean over rows
     */
    public static double mean(ScriptModel model, TensorData data, Loss loss, int batchSize) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be >= 1, got " + batchSize);
        }
        if (!data.hasTargets()) {
            throw new IllegalArgumentException(data.file() + " has no targets ('y'): sensitivity needs torch.save({'x': X, 'y': Y}, path)");
        }
        boolean training = model.isTraining();
        model.eval();
        double sum = 0;
        try (NoGradGuard g = new NoGradGuard()) {
            for (long from = 0; from < data.size(); from += batchSize) {
                long len = Math.min(batchSize, data.size() - from);
                try (TensorScope scope = new TensorScope()) {
                    sum += loss.compute(model.forward(data.x(from, len)), data.y(from, len)).item_double() * len;
                }
            }
        } finally {
            model.train(training);
        }
        return sum / data.size();
    }
}
