package dev.torchslim.distill;

import dev.torchslim.data.TensorData;
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

    /**
     * The data's inputs with the teacher's outputs as targets (the data's own targets, if any, are
     * dropped): training a copy of a model on its own fp32 outputs needs no labels, as in
     * quantization-aware training that learns to match the float model.
     *
     * @param teacher the model whose outputs become the targets
     * @param data the inputs
     * @param batchSize rows per forward pass
     * @return the same inputs, the teacher's outputs as y
     */
    public static TensorData asTargets(ScriptModel teacher, TensorData data, int batchSize) {
        if (data == null) {
            throw new IllegalArgumentException("data must not be null");
        }
        return TensorData.of(data.file() + " (targets: the fp32 model's outputs)", data.x(),
                compute(teacher, data.x(), batchSize));
    }
}
