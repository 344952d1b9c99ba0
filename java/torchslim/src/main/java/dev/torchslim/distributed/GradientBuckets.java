package dev.torchslim.distributed;

import dev.torchslim.core.NativeResource;
import dev.torchslim.core.TorchSlimException;
import dev.torchslim.jni.NativeGradientReducer;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gradients all-reduced in buckets, as DDP's Reducer does (native {@code torchslim::GradientReducer}):
 * parameters grouped last layers first (the order backward produces their gradients) into flat
 * buffers of at most the group's bucket size. With overlap, a hook on each parameter's gradient
 * accumulation copies the gradient into its bucket as soon as backward has accumulated it, and a
 * bucket's asynchronous all-reduce starts once all its gradients are in, while backward goes on
 * with the earlier layers; buckets start in the same order on every rank. Without overlap, every
 * bucket is filled and started after backward. Either way the optimizer steps only after all
 * buckets are reduced and copied back.
 */
final class GradientBuckets extends NativeResource {
    private static final Logger LOG = LoggerFactory.getLogger(GradientBuckets.class);
    private final DataParallelGroup group;
    private final NativeGradientReducer reducer;
    private final List<String> names;
    private final boolean overlap;
    private boolean reportedUnused;

    /**
     * @param group the ranks (its backend is held while this lives)
     * @param params the parameters whose gradients are reduced
     * @param names their names, for messages
     * @param bucketBytes the largest bucket
     * @param overlap start each bucket's all-reduce during backward
     */
    GradientBuckets(DataParallelGroup group, List<Tensor> params, List<String> names, long bucketBytes, boolean overlap) {
        this.group = group;
        this.names = List.copyOf(names);
        this.overlap = overlap;
        try (Use use = group.use(); TensorVector v = new TensorVector(params.toArray(new Tensor[0]))) {
            reducer = new NativeGradientReducer(v, bucketBytes, group.backend(), overlap);
        }
    }

    int count() {
        try (Use use = use()) {
            return (int) reducer.bucket_count();
        }
    }

    int bucketOf(int parameter) {
        try (Use use = use()) {
            return (int) reducer.bucket_of(parameter);
        }
    }

    boolean overlaps() {
        return overlap;
    }

    /**
     * One backward with the gradients reduced: every gradient becomes the sum over ranks of
     * (gradient × scale), a parameter without a gradient on a rank counting as zero there;
     * {@code extra} (not null) is summed over the ranks alongside.
     *
     * @param loss this rank's loss, or null when this rank has no rows (no backward)
     * @param scale this rank's weight
     * @param extra a tensor summed over the ranks with the last buckets
     */
    void backward(Tensor loss, double scale, Tensor extra) {
        try (Use use = use(); Use g = group.use()) {
            try {
                // prepare may start buckets already (parameters the loss does not reach).
                reducer.prepare(loss == null ? new Tensor() : loss, scale);
            } catch (TorchSlimException e) {
                throw group.failure("gradient all-reduce", e);
            }
            if (loss != null) {
                loss.backward();
            }
            try {
                reducer.finish(extra);
            } catch (TorchSlimException e) {
                throw group.failure("gradient all-reduce", e);
            }
            group.addGradientStep(reducer.bucket_count(), reducer.started_before_finish(), reducer.completed_before_finish(),
                    reducer.backward_us(), reducer.wait_us());
            if (loss != null) {
                reportUnused();
            }
        }
    }

    /** Says once which parameters got no gradient (they were reduced as zero on this rank). */
    private void reportUnused() {
        long n = reducer.unused_count();
        if (n == 0 || reportedUnused) {
            return;
        }
        reportedUnused = true;
        List<String> which = new ArrayList<>();
        for (long k = 0; k < Math.min(n, 5); k++) {
            int i = (int) reducer.unused_at(k);
            which.add(i < names.size() ? names.get(i) : "parameter " + i);
        }
        LOG.warn("rank {}: {} parameter(s) got no gradient in a step ({}{}): their gradient counts as zero "
                + "on this rank (said once)", group.rank(), n, String.join(", ", which), n > 5 ? ", ..." : "");
    }

    /** Buckets whose all-reduce had started, and had completed, when the last backward returned. */
    long[] overlapOfLastStep() {
        try (Use use = use()) {
            return new long[] {reducer.started_before_finish(), reducer.completed_before_finish()};
        }
    }

    /** Records the order of the reducer's events (for tests): "ready P", "start B", "finish", "done B". */
    void recordEvents(boolean on) {
        try (Use use = use()) {
            reducer.record_events(on);
        }
    }

    List<String> events() {
        try (Use use = use()) {
            String text = reducer.events();
            return text.isEmpty() ? List.of() : List.of(text.split("\n"));
        }
    }

    @Override
    protected void release() {
        reducer.close();
    }
}
