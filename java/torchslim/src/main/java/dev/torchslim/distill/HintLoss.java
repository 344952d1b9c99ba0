package dev.torchslim.distill;

import dev.torchslim.core.NativeLibrary;
import dev.torchslim.jni.DistillApi;
import org.bytedeco.pytorch.Tensor;

/**
 * The loss between a student's and a teacher's intermediate features, computed natively. 4-D
 * teacher features whose spatial size differs from the student's are average-pooled to the
 * student's size first ({@code adaptive_avg_pool2d}).
 */
public enum HintLoss {
    /** FitNets: {@code mse_loss(adapter(student), teacher)}, the adapter a learned 1x1 conv / linear map when channels differ. */
    MSE("mse"),
    /**
     * Attention transfer (Zagoruyko &amp; Komodakis): {@code mean((q(s) - q(t))^2)} with
     * {@code q(A) = normalize(sum_c A^2, flattened per sample)}, the reference code's {@code at_loss};
     * 4-D features, no adapter (the maps have no channels).
     */
    AT("at");

    private final String key;

    HintLoss(String key) {
        this.key = key;
    }

    /**
     * The name used on the command line and in recipes.
     *
     * @return "mse" or "at"
     */
    public String key() {
        return key;
    }

    /**
     * Whether this loss needs an adapter when the channel counts differ.
     *
     * @return true for MSE
     */
    public boolean usesAdapter() {
        return this == MSE;
    }

    /**
     * The mean loss of a batch.
     *
     * @param student the student's features (gradients flow into them)
     * @param teacher the teacher's features (treated as constants)
     * @param adapter the adapter applied to the student's features, or null for none
     * @return a scalar
     */
    public Tensor compute(Tensor student, Tensor teacher, HintAdapter adapter) {
        if (student == null || teacher == null) {
            throw new IllegalArgumentException("hint features must not be null");
        }
        NativeLibrary.ensureLoaded();
        return DistillApi.hint_loss(student, teacher, adapter == null ? new Tensor() : adapter.weight(),
                adapter == null ? new Tensor() : adapter.bias(), key);
    }

    /**
     * Parses "mse" or "at", ignoring case.
     *
     * @param name the loss' name
     * @return the loss
     * @throws IllegalArgumentException for any other name
     */
    public static HintLoss parse(String name) {
        for (HintLoss l : values()) {
            if (l.key.equalsIgnoreCase(name)) {
                return l;
            }
        }
        throw new IllegalArgumentException("unknown hint loss '" + name + "': expected mse or at");
    }
}
