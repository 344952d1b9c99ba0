package dev.torchslim.prune;

import dev.torchslim.core.NativeLibrary;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Tensor;

/**
 * The seed's pruning entry point:
 *
 * <pre>{@code
 * EasyPrune pruner = new EasyPrune(model, 0.5).strategy(PruningStrategy.l1Global());
 * pruner.prune();      // masks on every Conv/Linear weight; they hold through training
 * ... fine-tune ...
 * pruner.unprune();    // pruning made permanent, hooks and originals gone (prune.remove)
 * }</pre>
 *
 * {@link #restore()} (between prune and unprune) brings back the dense weights. Calls in the
 * wrong order throw IllegalStateException naming the missing call. Two pruners on one model
 * restore in the reverse order of their prune() calls; restoring one whose weights another pruner
 * masked later throws IllegalStateException naming that layer (it would bring back weights the
 * other still holds at zero, or leave its zeros in the "dense" weights). Weights with no elements
 * (Linear(0, n)) are left out, listed by {@link #leftOut()}.
 *
 * <p>It holds native masks, hooks, dense copies and weight handles: {@link #close()} (or
 * try-with-resources) frees them all; the weights keep their current values.
 */
public final class EasyPrune implements AutoCloseable {
    private enum State { READY, PRUNED, FINAL, CLOSED }

    private final Module model;
    private final double amount;
    private PruningStrategy strategy = PruningStrategy.l1();
    private Predicate<PruneTarget> filter = PruneTargets.CONV_AND_LINEAR;
    private final Set<String> skip = new HashSet<>();
    private State state = State.READY;
    private List<PruneTarget> targets = List.of();
    private final List<Tensor> originals = new ArrayList<>();
    private final List<LeftOut> leftOut = new ArrayList<>();
    private MaskSet maskSet;

    /**
     * A pruner of model at the given sparsity; configure it, then call {@link #prune()}.
     *
     * @param model the model to prune in place
     * @param amount the fraction of each weight (or of all weights, for global strategies) to prune, in [0,
     *     1]
     */
    public EasyPrune(Module model, double amount) {
        if (model == null) {
            throw new IllegalArgumentException("model is null");
        }
        Amounts.check(amount);
        // Natives first: a missing natives jar is a TorchSlimException here, not an error inside a binding's initialiser.
        NativeLibrary.ensureLoaded();
        this.model = model;
        this.amount = amount;
    }

    /**
     * How masks are chosen; default L1 per layer.
     *
     * @param s the strategy
     * @return this pruner
     */
    public EasyPrune strategy(PruningStrategy s) {
        checkConfigurable();
        this.strategy = java.util.Objects.requireNonNull(s, "strategy");
        return this;
    }

    /**
     * Which layers are pruned; default Conv1d/2d/3d and Linear.
     *
     * @param f accepts the layers to prune
     * @return this pruner
     */
    public EasyPrune layers(Predicate<PruneTarget> f) {
        checkConfigurable();
        this.filter = java.util.Objects.requireNonNull(f, "filter");
        return this;
    }

    /**
     * Module names (as in named_modules, e.g. "fc2") left dense.
     *
     * @param names module names to skip
     * @return this pruner
     */
    public EasyPrune skip(String... names) {
        checkConfigurable();
        skip.addAll(List.of(names));
        return this;
    }

    /**
     * The weights this pruner prunes (after prune(), the ones it pruned).
     *
     * @return the targets, in module order
     */
    public List<PruneTarget> targets() {
        checkOpen();
        return state == State.READY ? PruneTargets.find(model, filter, skip) : targets;
    }

    /**
     * Weights the filter accepted but prune() left dense, with the reason (an empty weight, such as
     * Linear(0, n)'s).
     *
     * @return one record per weight left out, empty before prune()
     */
    public List<LeftOut> leftOut() {
        return List.copyOf(leftOut);
    }

    /**
     * Masks the weights the filter and skip list select (weights without elements are left out):
     * the strategy chooses the masks, the dense weights are kept for {@link #restore()}, and the
     * masks hold through training until {@link #unprune()}.
     *
     * @return this pruner
     * @throws IllegalStateException if already pruned, finished or closed, or no weight is left to prune
     */
    public EasyPrune prune() {
        if (state == State.PRUNED) {
            throw new IllegalStateException("prune() was already called: call unprune() or restore() first");
        }
        if (state == State.FINAL) {
            throw new IllegalStateException("this EasyPrune is finished (unprune() was called); create a new one");
        }
        checkOpen();
        // Temporaries (module dicts, views, a strategy's intermediates) die with this scope even
        // when the caller has none; what the pruner keeps is detached from it by Owned.
        try (PointerScope scope = new PointerScope()) {
            List<PruneTarget> found = new ArrayList<>();
            leftOut.clear();
            for (PruneTarget t : PruneTargets.find(model, filter, skip)) {
                if (t.weight().numel() == 0) {
                    leftOut.add(new LeftOut(t.name(), Shapes.list(t.weight()), 0, "empty weight (no elements)"));
                } else {
                    found.add(t);
                }
            }
            if (found.isEmpty()) {
                throw new IllegalStateException("no layer to prune: the filter and skip list exclude every weight"
                        + (leftOut.isEmpty() ? "" : "; left out: " + leftOut));
            }
            freeTargets();
            targets = Owned.keepTargets(found);
            List<Tensor> masks = strategy.masks(targets, amount);
            for (PruneTarget t : targets) {
                originals.add(Owned.keep(t.weight().detach().clone()));
            }
            maskSet = new MaskSet(targets, masks, "EasyPrune(" + strategy.name() + ", " + amount + ")");
        }
        state = State.PRUNED;
        return this;
    }

    /** Multiplies the weights by their masks again (after step() of an optimizer with older state). */
    public void reapply() {
        requirePruned("reapply()");
        try (PointerScope scope = new PointerScope()) {
            maskSet.reapply();
        }
    }

    /** Makes pruning permanent: zeros stay, masks, hooks and dense copies are freed. */
    public void unprune() {
        requirePruned("unprune()");
        try (PointerScope scope = new PointerScope()) {
            maskSet.reapply();
            maskSet.release();
        }
        maskSet = null;
        freeOriginals();
        state = State.FINAL;
    }

    /** Brings back the dense weights as they were before prune(); prune() may be called again. */
    public void restore() {
        requirePruned("restore()");
        String later = maskSet.laterOn();
        if (later != null) {
            throw new IllegalStateException("restore() would undo masks another pruner applied after this one on "
                    + later + ": restore, unprune or close that pruner first (pruners on one model restore in"
                    + " the reverse order of prune())");
        }
        try (org.bytedeco.pytorch.NoGradGuard g = new org.bytedeco.pytorch.NoGradGuard();
                PointerScope scope = new PointerScope()) {
            maskSet.release();
            maskSet = null;
            for (int i = 0; i < targets.size(); i++) {
                targets.get(i).weight().detach().copy_(originals.get(i));
            }
        }
        freeOriginals();
        freeTargets();
        state = State.READY;
    }

    /**
     * Whether {@link #prune()} has run and neither {@link #unprune()} nor {@link #restore()} yet.
     *
     * @return true while the masks are held
     */
    public boolean isPruned() {
        return state == State.PRUNED;
    }

    /**
     * Frees the masks, gradient hooks, dense copies and weight handles this pruner holds. The
     * weights keep their current values (pruned ones stay zero, as after unprune()). Idempotent;
     * any later call throws IllegalStateException.
     */
    @Override
    public void close() {
        if (state == State.CLOSED) {
            return;
        }
        if (maskSet != null) {
            try (PointerScope scope = new PointerScope()) {
                maskSet.release();
            }
            maskSet = null;
        }
        freeOriginals();
        freeTargets();
        state = State.CLOSED;
    }

    /**
     * Per-layer and total sparsity of the pruned weights.
     *
     * @return the sparsity of every target weight now
     */
    public SparsityReport report() {
        checkOpen();
        return SparsityReport.of(targets());
    }

    private void freeTargets() {
        for (PruneTarget t : targets) {
            t.weight().close();
            t.module().close();
        }
        targets = List.of();
    }

    private void freeOriginals() {
        for (Tensor t : originals) {
            t.close();
        }
        originals.clear();
    }

    private void checkOpen() {
        if (state == State.CLOSED) {
            throw new IllegalStateException("this EasyPrune is closed");
        }
    }

    private void requirePruned(String call) {
        checkOpen();
        if (state == State.READY) {
            throw new IllegalStateException(call + " needs prune() first");
        }
        if (state == State.FINAL) {
            throw new IllegalStateException(call + " is not possible after unprune(): pruning is already permanent");
        }
    }

    private void checkConfigurable() {
        checkOpen();
        if (state != State.READY) {
            throw new IllegalStateException("configure before prune(); call restore() to change the setup");
        }
    }
}
