package dev.torchslim.distill;

import dev.torchslim.core.NativeLibrary;
import dev.torchslim.jni.DistillApi;
import org.bytedeco.pytorch.Tensor;

/**
 * The logit KD loss, computed natively:
 * {@code alpha * kl_div(log_softmax(s/T), softmax(t/T), 'batchmean') * T^2 + (1 - alpha) * cross_entropy(s, y)}.
 * Differentiable in the student's logits; the teacher's are treated as constants.
 */
public final class KdLoss {
    private KdLoss() {}

    /**
     * The mean KD loss of a batch.
     *
     * @param student the student's logits
     * @param teacher the teacher's logits, same shape
     * @param target the class indices
     * @param config temperature and alpha
     * @return a scalar that backpropagates into the student's logits
     */
    public static Tensor compute(Tensor student, Tensor teacher, Tensor target, KdConfig config) {
        if (student == null || teacher == null || config == null) {
            throw new IllegalArgumentException("student and teacher logits and the config must not be null");
        }
        if (target == null && config.alpha() < 1) {
            throw new IllegalArgumentException("alpha " + config.alpha() + " < 1 needs class targets for the cross-entropy term");
        }
        NativeLibrary.ensureLoaded();
        return DistillApi.kd_loss(student, teacher, target == null ? new Tensor() : target, config.temperature(),
                config.alpha());
    }
}
