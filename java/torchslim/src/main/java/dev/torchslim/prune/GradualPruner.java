package dev.torchslim.prune;

import dev.torchslim.core.NativeLibrary;
import java.util.List;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Tensor;

/**
 * Gradual magnitude pruning with the Zhu–Gupta cubic schedule
 * s_t = s_f + (s_i − s_f)(1 − (t − t0)/(nΔt))³ for t0 ≤ t ≤ t0 + nΔt, applied every Δt steps.
 * Call {@link #step()} once per training step (after the optimizer's step); the final sparsity
 * s_f is reached exactly at t0 + nΔt. Masks are recomputed from the current weights each time
 * (pruned weights are zero, so they stay pruned) and held by gradient hooks in between.
 * Weights with no elements (Linear(0, n)) are left out. It holds native masks, hooks and weight
 * handles: {@link #close()} (or try-with-resources) frees them; the weights keep their zeros.
 */
public final class GradualPruner implements AutoCloseable {
    private final List<PruneTarget> targets;
    private final PruningStrategy strategy;
    private final double initial;
    private final double target;
    private final long start;
    private final long frequency;
    private final long updates;
    private long t;
    private MaskSet masks;
    private double current;
    private boolean closed;

    /**
     * @param start     t0, the step of the first pruning update
     * @param frequency Δt, steps between updates
     * @param updates   n, the number of intervals; the end is t0 + nΔt
     * @param model the model to prune in place
     * @param strategy how masks are chosen
     * @param initial s_i, the sparsity of the first update
     * @param target s_f, the final sparsity
     */
    public GradualPruner(Module model, PruningStrategy strategy, double initial, double target, long start,
            long frequency, long updates) {
        Amounts.check(initial);
        Amounts.check(target);
        if (start < 0 || frequency < 1 || updates < 1) {
            throw new IllegalArgumentException("need start >= 0, frequency >= 1, updates >= 1; got start=" + start
                    + ", frequency=" + frequency + ", updates=" + updates);
        }
        NativeLibrary.ensureLoaded(); // a missing natives jar: a TorchSlimException, see EasyPrune
        List<PruneTarget> found = new java.util.ArrayList<>();
        // The module dicts of the search die with this scope; the targets are detached from it.
        try (PointerScope scope = new PointerScope()) {
            for (PruneTarget t : PruneTargets.find(model, PruneTargets.CONV_AND_LINEAR, java.util.Set.of())) {
                if (t.weight().numel() > 0) {
                    found.add(t); // an empty weight (Linear(0, n)) has nothing to prune
                }
            }
            if (found.isEmpty()) {
                throw new IllegalArgumentException("model has no Conv or Linear weight with elements to prune");
            }
            Owned.keepTargets(found);
        }
        this.targets = found;
        this.strategy = strategy;
        this.initial = initial;
        this.target = target;
        this.start = start;
        this.frequency = frequency;
        this.updates = updates;
    }

    /**
     * The scheduled sparsity at step t (0 before t0, s_f after the end).
     *
     * @param t the step
     * @param initial s_i
     * @param target s_f
     * @param start t0
     * @param frequency Δt
     * @param updates n
     * @return the sparsity at step t
     */
    public static double sparsityAt(long t, double initial, double target, long start, long frequency,
            long updates) {
        if (t < start) {
            return 0.0;
        }
        long end = start + frequency * updates;
        if (t >= end) {
            return target;
        }
        double progress = (double) (t - start) / (double) (frequency * updates);
        double r = 1.0 - progress;
        return target + (initial - target) * r * r * r;
    }

    /**
     * Advances one training step; prunes when the schedule says so. Returns the current sparsity.
     *
     * @return the sparsity after this step
     */
    public double step() {
        checkOpen();
        long end = start + frequency * updates;
        if (t >= start && t <= end && (t - start) % frequency == 0) {
            double s = sparsityAt(t, initial, target, start, frequency, updates);
            try (PointerScope scope = new PointerScope()) {
                List<Tensor> next = strategy.masks(targets, s);
                if (masks != null) {
                    masks.release();
                }
                masks = new MaskSet(targets, next, "GradualPruner(" + strategy.name() + ")");
            }
            current = s;
        } else if (masks != null) {
            masks.reapply();
        }
        t++;
        return current;
    }

    /**
     * The number of {@link #step()} calls so far.
     *
     * @return the step count
     */
    public long stepCount() {
        return t;
    }

    /**
     * Whether the schedule has reached its last update.
     *
     * @return true after step t0 + nΔt
     */
    public boolean isDone() {
        return t > start + frequency * updates;
    }

    /** Removes the hooks; the weights keep their zeros. */
    public void finish() {
        checkOpen();
        if (masks != null) {
            masks.reapply();
            masks.release();
            masks = null;
        }
    }

    /**
     * Per-layer and total sparsity of the pruned weights now.
     *
     * @return the sparsity report
     */
    public SparsityReport report() {
        checkOpen();
        return SparsityReport.of(targets);
    }

    /** finish() and frees the weight handles; idempotent, later calls throw IllegalStateException. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        finish();
        for (PruneTarget t : targets) {
            t.weight().close();
            t.module().close();
        }
        closed = true;
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("this GradualPruner is closed");
        }
    }
}
