package dev.torchslim.train;

import dev.torchslim.core.ExitGuard;
import dev.torchslim.core.Progress;
import dev.torchslim.core.TensorScope;
import dev.torchslim.data.TensorData;
import dev.torchslim.distributed.DataParallel;
import dev.torchslim.distributed.DataParallelGroup;
import dev.torchslim.graph.ScriptModel;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.pytorch.Adam;
import org.bytedeco.pytorch.AdamOptions;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

/**
 * Fine-tunes any {@link ScriptModel} (autograd through the TorchScript graph) on the user's data
 * and loss with Adam and seeded shuffling; QAT and fine-tuning after pruning use it.
 */
public final class GraphTrainer {
    /**
     * Batch size, Adam learning rate, epochs, shuffling seed.
     *
     * @param batchSize rows per step, at least 1
     * @param learningRate Adam's learning rate, greater than 0
     * @param epochs passes over the data, at least 1
     * @param seed the shuffling seed
     */
    public record Config(int batchSize, double learningRate, int epochs, long seed) {
        /**
         * Checks the ranges.
         *
         * @param batchSize rows per step, at least 1
         * @param learningRate Adam's learning rate, finite and greater than 0
         * @param epochs passes over the data, at least 1
         * @param seed the shuffling seed
         * @throws IllegalArgumentException when a value is out of range
         */
        public Config {
            if (batchSize < 1) {
                throw new IllegalArgumentException("batch size must be >= 1, got " + batchSize);
            }
            if (!(learningRate > 0) || Double.isInfinite(learningRate)) {
                throw new IllegalArgumentException("learning rate must be > 0, got " + learningRate);
            }
            if (epochs < 1) {
                throw new IllegalArgumentException("epochs must be >= 1, got " + epochs);
            }
        }
    }

    /** A loss that also sees which rows of the data the batch holds (distillation looks up cached teacher outputs). */
    @FunctionalInterface
    public interface BatchLoss {
        /**
         * The loss of one batch.
         *
         * @param output the model's output
         * @param target the batch's targets
         * @param rows the batch's row indices in the data (int64)
         * @return a scalar loss to backpropagate
         */
        Tensor compute(Tensor output, Tensor target, Tensor rows);
    }

    /** One training step's loss from the batch itself, for losses that run the model their own way (feature distillation). */
    @FunctionalInterface
    public interface BatchStep {
        /**
         * The loss of one batch.
         *
         * @param x the batch's inputs
         * @param y the batch's targets
         * @param rows the batch's row indices in the data (int64)
         * @return a scalar loss to backpropagate
         */
        Tensor loss(Tensor x, Tensor y, Tensor rows);
    }

    private GraphTrainer() {}

    /**
     * Trains the model in place; returns the mean loss of each epoch. The model is left in eval mode.
     *
     * @param model the model to train
     * @param data inputs and targets
     * @param loss the loss
     * @param config batch size, learning rate, epochs and seed
     * @return the mean loss of each epoch
     */
    public static List<Double> fit(ScriptModel model, TensorData data, Loss loss, Config config) {
        return fit(model, data, loss, config, false);
    }

    /**
     * As {@link #fit(ScriptModel, TensorData, Loss, Config)}; with {@code keepZeros}, weights that are
     * exactly zero before training (pruned) are zero after every step (pruning masks kept).
     *
     * @param model the model to train
     * @param data inputs and targets
     * @param loss the loss
     * @param config batch size, learning rate, epochs and seed
     * @param keepZeros keep weights that are zero at zero
     * @return the mean loss of each epoch
     */
    public static List<Double> fit(ScriptModel model, TensorData data, Loss loss, Config config, boolean keepZeros) {
        return fit(model, data, (output, target, rows) -> loss.compute(output, target), config, keepZeros);
    }

    /**
     * As {@link #fit(ScriptModel, TensorData, Loss, Config)} with a loss over the batch's row indices too.
     *
     * @param model the model to train
     * @param data inputs and targets
     * @param loss the loss over output, target and row indices
     * @param config batch size, learning rate, epochs and seed
     * @return the mean loss of each epoch
     */
    public static List<Double> fit(ScriptModel model, TensorData data, BatchLoss loss, Config config) {
        return fit(model, data, loss, config, false);
    }

    /**
     * The training loop: Adam, seeded shuffling, optional pruning masks kept.
     *
     * @param model the model to train
     * @param data inputs and targets
     * @param loss the loss over output, target and row indices
     * @param config batch size, learning rate, epochs and seed
     * @param keepZeros keep weights that are zero at zero
     * @return the mean loss of each epoch
     */
    public static List<Double> fit(ScriptModel model, TensorData data, BatchLoss loss, Config config, boolean keepZeros) {
        return fit(model, data, loss, config, keepZeros, null);
    }

    /**
     * As {@link #fit(ScriptModel, TensorData, BatchLoss, Config, boolean)}, data-parallel over the
     * group's ranks when {@code group} is not null: {@code config.batchSize()} is the global batch,
     * each rank runs its share of it, and every rank ends with the weights one process would have
     * after training on the same global batches (see {@link DataParallel}). Every rank calls this
     * with the same model, data and config; the returned losses are the global batches' means.
     *
     * @param model the model to train
     * @param data inputs and targets
     * @param loss the loss over output, target and row indices
     * @param config batch size (the global batch when data-parallel), learning rate, epochs and seed
     * @param keepZeros keep weights that are zero at zero
     * @param group the ranks to train over, or null for one process
     * @return the mean loss of each epoch
     */
    public static List<Double> fit(ScriptModel model, TensorData data, BatchLoss loss, Config config, boolean keepZeros,
            DataParallelGroup group) {
        return fit(model, List.of(), data, (x, y, rows) -> loss.compute(model.forward(x), y, rows), config, keepZeros, group);
    }

    /**
     * The training loop over a step that computes each batch's loss itself: Adam over the model's
     * trainable parameters and {@code extraParameters} (e.g. feature-distillation adapters, which
     * are not part of the model), seeded shuffling, optional pruning masks kept (the model's
     * parameters only), data-parallel when {@code group} is not null (extra parameters' gradients
     * are all-reduced too; every rank must start them equal).
     *
     * @param model the model to train (its trainable parameters are stepped; left in eval mode)
     * @param extraParameters more leaf tensors that take gradients and are stepped with the model's
     * @param data inputs and targets
     * @param step the loss of one batch
     * @param config batch size (the global batch when data-parallel), learning rate, epochs and seed
     * @param keepZeros keep weights of the model that are zero at zero
     * @param group the ranks to train over, or null for one process
     * @return the mean loss of each epoch
     */
    public static List<Double> fit(ScriptModel model, List<Tensor> extraParameters, TensorData data, BatchStep step,
            Config config, boolean keepZeros, DataParallelGroup group) {
        if (!data.hasTargets()) {
            throw new IllegalArgumentException(data.file() + " has no targets ('y'): training needs torch.save({'x': X, 'y': Y}, path)");
        }
        List<Tensor> params = new ArrayList<>();
        for (Tensor p : model.parameters()) {
            if (p.requires_grad()) {
                params.add(p);
            }
        }
        if (params.isEmpty()) {
            throw new IllegalArgumentException("the model has no parameters that take gradients");
        }
        int modelParams = params.size();
        params.addAll(extraParameters);
        // Rank 0's weights everywhere before the masks are read from them.
        DataParallel dp = group == null ? null : DataParallel.prepare(group, model, params);
        List<Tensor[]> masks = new ArrayList<>();
        if (keepZeros) {
            for (Tensor p : params.subList(0, modelParams)) {
                Tensor keep = p.ne(new Scalar(0.0));
                if (keep.logical_not().any().item_bool()) {
                    masks.add(new Tensor[] {p, keep.to(p.scalar_type())});
                }
            }
        }
        List<Double> means = new ArrayList<>();
        int n = (int) data.size();
        try (TensorVector pv = new TensorVector(params.toArray(new Tensor[0]));
             Adam adam = new Adam(pv, new AdamOptions(config.learningRate()))) {
            model.train(true);
            for (int e = 0; e < config.epochs(); e++) {
                long[] order = EpochOrder.permutation(config.seed(), e, n);
                double sum = 0;
                int batches = 0;
                try (Progress.Task progress = Progress.task("train epoch " + (e + 1) + "/" + config.epochs(),
                        (n + config.batchSize() - 1) / config.batchSize())) {
                    for (int from = 0; from < n; from += config.batchSize()) {
                        int count = Math.min(config.batchSize(), n - from);
                        long[] rows = dp == null ? java.util.Arrays.copyOfRange(order, from, from + count) : dp.shard(order, from, count);
                        try (ExitGuard.Section section = ExitGuard.enter(); TensorScope scope = new TensorScope();
                             LongPointer rp = new LongPointer(Math.max(1, rows.length))) {
                            adam.zero_grad();
                            double l = 0;
                            Tensor out = null;
                            if (rows.length > 0) {
                                rp.put(rows);
                                Tensor idx = torch.from_blob(rp, new long[] {rows.length}, new TensorOptions(torch.ScalarType.Long));
                                out = step.loss(data.x().index_select(0, idx), data.y().index_select(0, idx), idx);
                            }
                            if (dp != null) {
                                // Gradient buckets are all-reduced while backward runs.
                                l = dp.backward(out, rows.length, count);
                            } else if (out != null) {
                                out.backward();
                                l = out.item_double();
                            }
                            adam.step();
                            for (Tensor[] pm : masks) {
                                pm[0].data().mul_(pm[1]);
                            }
                            if (dp != null) {
                                dp.afterStep();
                            }
                            sum += l;
                            batches++;
                        }
                        progress.step();
                    }
                }
                means.add(sum / batches);
            }
        } finally {
            model.train(false);
            if (dp != null) {
                dp.close();
            }
        }
        return means;
    }
}
