package dev.torchslim.examples.train;

import dev.torchslim.core.ExitGuard;
import dev.torchslim.core.Progress;
import dev.torchslim.core.TensorScope;
import dev.torchslim.examples.data.Dataset;
import dev.torchslim.report.Evaluable;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.pytorch.Adam;
import org.bytedeco.pytorch.AdamOptions;
import org.bytedeco.pytorch.LongOptional;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Optimizer;
import org.bytedeco.pytorch.SequentialImpl;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * Trains and evaluates classifiers on a {@link Dataset}: NLL loss on log-probabilities,
 * mini-batches shuffled with a seeded permutation, Adam (lr 1e-3) unless told otherwise.
 */
public final class Trainer {
    /**
     * Batch size, learning rate of the default Adam, shuffling seed, and whether epochs report progress.
     *
     * @param batchSize examples per step, at least 1
     * @param learningRate the default Adam's learning rate, greater than 0
     * @param seed the shuffling seed
     * @param progress report each epoch's steps to the thread's {@link dev.torchslim.core.ProgressListener}
     *     (see {@link Progress#listen}; the command line draws them as a bar)
     */
    public record Config(int batchSize, double learningRate, long seed, boolean progress) {
        /**
         * Checks the ranges.
         *
         * @param batchSize examples per step, at least 1
         * @param learningRate the default Adam's learning rate, greater than 0
         * @param seed the shuffling seed
         * @param progress whether epochs report progress
         * @throws IllegalArgumentException when a value is out of range
         */
        public Config {
            if (batchSize < 1) {
                throw new IllegalArgumentException("batchSize must be >= 1, got " + batchSize);
            }
            if (!(learningRate > 0)) {
                throw new IllegalArgumentException("learningRate must be > 0, got " + learningRate);
            }
        }

        /**
         * Batch size 64, learning rate 1e-3, seed 42, progress reported.
         *
         * @return the default configuration
         */
        public static Config defaults() {
            return new Config(64, 1e-3, 42, true);
        }

        /**
         * This configuration with progress reported or not.
         *
         * @param report whether epochs report progress
         * @return a new configuration
         */
        public Config withProgress(boolean report) {
            return new Config(batchSize, learningRate, seed, report);
        }

        /**
         * This configuration with another shuffling seed.
         *
         * @param newSeed the seed
         * @return a new configuration
         */
        public Config withSeed(long newSeed) {
            return new Config(batchSize, learningRate, newSeed, progress);
        }
    }

    /**
     * One epoch: mean training loss and wall time.
     *
     * @param epoch the epoch's index
     * @param meanLoss the mean training loss
     * @param seconds the epoch's wall time
     */
    public record EpochResult(int epoch, double meanLoss, double seconds) {}

    private static final int EVAL_BATCH = 1000;

    private final Dataset train;
    private final Dataset test;
    private final Config config;
    private int epochsRun;

    /**
     * A trainer over a training and a test set.
     *
     * @param train the training set
     * @param test the test set, for {@link #evaluate}
     * @param config batch size, learning rate, seed and progress
     */
    public Trainer(Dataset train, Dataset test, Config config) {
        this.train = train;
        this.test = test;
        this.config = config;
    }

    /**
     * The configuration.
     *
     * @return batch size, learning rate, seed and progress
     */
    public Config config() {
        return config;
    }

    /**
     * The training set.
     *
     * @return the training set
     */
    public Dataset trainSet() {
        return train;
    }

    /**
     * The test set.
     *
     * @return the test set
     */
    public Dataset testSet() {
        return test;
    }

    /**
     * Trains with Adam(lr) for the given epochs.
     *
     * @param model the model to train in place
     * @param epochs the number of epochs
     * @return one result per epoch
     */
    public List<EpochResult> train(SequentialImpl model, int epochs) {
        return train(model, epochs, m -> new Adam(m.parameters(), new AdamOptions(config.learningRate())), step -> { });
    }

    /**
     * Trains with the factory's optimizer, calling listener after every step.
     *
     * @param model the model to train in place
     * @param epochs the number of epochs
     * @param optimizers makes the optimizer
     * @param listener called after every step
     * @return one result per epoch
     */
    public List<EpochResult> train(SequentialImpl model, int epochs, OptimizerFactory optimizers, StepListener listener) {
        if (epochs < 1) {
            throw new IllegalArgumentException("epochs must be >= 1, got " + epochs);
        }
        List<EpochResult> results = new ArrayList<>();
        Optimizer optimizer = optimizers.create(model);
        try {
            long step = 0;
            for (int e = 1; e <= epochs; e++) {
                EpochResult r = trainEpoch(model, optimizer, e, step, listener);
                step += batchesPerEpoch();
                results.add(r);
            }
        } finally {
            optimizer.close();
        }
        return results;
    }

    /**
     * The number of steps in one epoch (the last batch may be smaller).
     *
     * @return ceil(training examples / batch size)
     */
    public long batchesPerEpoch() {
        return (train.size() + config.batchSize() - 1) / config.batchSize();
    }

    private EpochResult trainEpoch(SequentialImpl model, Optimizer optimizer, int epoch, long firstStep,
            StepListener listener) {
        long n = train.size();
        long batches = batchesPerEpoch();
        long[] order = permutation(n, config.seed() + (epochsRun++));
        long start = System.nanoTime();
        double lossSum = 0;
        model.train(true);
        try (TensorScope epochScope = new TensorScope();
             LongPointer orderPtr = new LongPointer(order);
             Progress.Task progress = config.progress() ? Progress.task("epoch " + epoch, batches) : null) {
            Tensor perm = torch.from_blob(orderPtr, new long[] {n},
                    new org.bytedeco.pytorch.TensorOptions(torch.ScalarType.Long));
            for (long b = 0; b < batches; b++) {
                try (ExitGuard.Section section = ExitGuard.enter(); TensorScope step = new TensorScope()) {
                    long from = b * config.batchSize();
                    long len = Math.min(config.batchSize(), n - from);
                    Tensor idx = perm.narrow(0, from, len);
                    Tensor x = train.images().index_select(0, idx);
                    Tensor y = train.labels().index_select(0, idx);
                    optimizer.zero_grad();
                    Tensor loss = torch.nll_loss(model.forward(x), y);
                    loss.backward();
                    optimizer.step();
                    listener.afterStep(firstStep + b);
                    lossSum += loss.item_float();
                    if (progress != null) {
                        progress.step();
                    }
                }
            }
        }
        return new EpochResult(epoch, lossSum / batches, (System.nanoTime() - start) / 1e9);
    }

    /**
     * Test-set accuracy in [0, 1] of a module (evaluated in eval mode, no grad).
     *
     * @param model the model
     * @return the accuracy
     */
    public double evaluate(SequentialImpl model) {
        boolean wasTraining = model.is_training();
        model.eval();
        try {
            return accuracy(model::forward, test);
        } finally {
            model.train(wasTraining);
        }
    }

    /**
     * Accuracy in [0, 1] of any scorer on a data set.
     *
     * @param model the scorer
     * @param data the data set
     * @return the accuracy
     */
    public static double accuracy(Evaluable model, Dataset data) {
        long correct = 0;
        try (NoGradGuard noGrad = new NoGradGuard()) {
            for (long from = 0; from < data.size(); from += EVAL_BATCH) {
                try (TensorScope scope = new TensorScope()) {
                    long len = Math.min(EVAL_BATCH, data.size() - from);
                    Tensor scores = model.forward(data.images().narrow(0, from, len));
                    Tensor predicted = scores.argmax(new LongOptional(1), false);
                    correct += torch.eq(predicted, data.labels().narrow(0, from, len)).sum().item_long();
                }
            }
        }
        return (double) correct / data.size();
    }

    private static long[] permutation(long n, long seed) {
        long[] p = new long[(int) n];
        for (int i = 0; i < n; i++) {
            p[i] = i;
        }
        Random r = new Random(seed);
        for (int i = p.length - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            long t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }
}
