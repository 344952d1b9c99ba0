package dev.torchslim.distill;

import dev.torchslim.graph.ScriptModel;
import dev.torchslim.jni.DistillApi;
import org.bytedeco.pytorch.Tensor;

/**
 * A frozen teacher's outputs on a fixed data set, computed once (eval mode, no autograd) and
 * looked up by row during every epoch of distillation.
 */
public final class TeacherLogits {
    private TeacherLogits() {}

    /**
     * The teacher's first output for every row of x, in batches; the teacher's mode is restored.
     *
     * @param teacher the teacher model
     * @param x the inputs
     * @param batchSize rows per forward pass
     * @return the outputs, one row per row of x
     */
    public static Tensor compute(ScriptModel teacher, Tensor x, int batchSize) {
        if (teacher == null || x == null) {
            throw new IllegalArgumentException("teacher and inputs must not be null");
        }
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be >= 1, got " + batchSize);
        }
        try (ScriptModel.Use use = teacher.use()) {
            return DistillApi.teacher_logits(teacher.handle(), x, batchSize);
        }
    }
}
