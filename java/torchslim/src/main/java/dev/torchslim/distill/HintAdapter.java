package dev.torchslim.distill;

import java.util.List;
import java.util.Random;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;

/**
 * The learned map from a student's feature channels to a teacher's (FitNets' regressor): a 1x1
 * convolution for 4-D features (weight [teacherChannels, studentChannels, 1, 1]), a linear map over
 * the last dimension otherwise (weight [teacherChannels, studentChannels]), with a bias. Trained
 * with the student and thrown away after: it is never part of the student's file.
 *
 * @param weight the weight, a leaf that takes gradients
 * @param bias the bias, a leaf that takes gradients
 */
public record HintAdapter(Tensor weight, Tensor bias) {
    /**
     * A new adapter initialised as PyTorch initialises Conv2d/Linear (weight and bias uniform in
     * +-1/sqrt(studentChannels)), from its own seeded generator (every rank of a data-parallel run
     * starts with the same adapter).
     *
     * @param studentChannels input channels
     * @param teacherChannels output channels
     * @param conv a 1x1 convolution (4-D features) rather than a linear map
     * @param seed the generator's seed
     * @return the adapter
     */
    public static HintAdapter create(long studentChannels, long teacherChannels, boolean conv, long seed) {
        if (studentChannels < 1 || teacherChannels < 1) {
            throw new IllegalArgumentException("adapter channels must be >= 1, got " + studentChannels + " -> " + teacherChannels);
        }
        Random random = new Random(seed);
        double bound = 1 / Math.sqrt(studentChannels);
        long[] shape = conv ? new long[] {teacherChannels, studentChannels, 1, 1} : new long[] {teacherChannels, studentChannels};
        return new HintAdapter(uniform(random, bound, shape), uniform(random, bound, new long[] {teacherChannels}));
    }

    /**
     * The weight and bias.
     *
     * @return the trainable tensors
     */
    public List<Tensor> parameters() {
        return List.of(weight, bias);
    }

    /**
     * Elements of weight and bias.
     *
     * @return the parameter count
     */
    public long parameterCount() {
        return weight.numel() + bias.numel();
    }

    private static Tensor uniform(Random random, double bound, long[] shape) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        float[] values = new float[Math.toIntExact(n)];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) ((random.nextDouble() * 2 - 1) * bound);
        }
        try (FloatPointer p = new FloatPointer(values)) {
            Tensor t = torch.from_blob(p, shape, new TensorOptions(torch.ScalarType.Float)).clone();
            t.requires_grad_(true);
            return t;
        }
    }
}
