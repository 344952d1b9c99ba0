package dev.torchslim.prune;

import dev.torchslim.jni.PruneApi;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.pytorch.Tensor;

/**
 * N:M semi-structured sparsity: in every group of M consecutive input entries (dim 1) the N of
 * largest magnitude are kept. Layers whose input dimension is not a multiple of M are rejected
 * with IllegalArgumentException; skip them with EasyPrune's skip list.
 */
public final class NMPruner implements PruningStrategy {
    private final int n;
    private final int m;

    /**
     * Keeps n of every m consecutive weights along the input dimension.
     *
     * @param n the weights kept per group
     * @param m the group size
     * @throws IllegalArgumentException unless {@code 0 <= n <= m} and {@code m >= 1}
     */
    public NMPruner(int n, int m) {
        if (m < 1 || n < 0 || n > m) {
            throw new IllegalArgumentException("N:M needs 0 <= N <= M and M >= 1, got " + n + ":" + m);
        }
        this.n = n;
        this.m = m;
    }

    /**
     * Parses "2:4".
     *
     * @param spec "N:M"
     * @return the pruner
     * @throws IllegalArgumentException when the spec is malformed
     */
    public static NMPruner parse(String spec) {
        String[] parts = spec.split(":");
        if (parts.length != 2) {
            throw new IllegalArgumentException("expected N:M such as 2:4, got '" + spec + "'");
        }
        try {
            return new NMPruner(Integer.parseInt(parts[0].trim()), Integer.parseInt(parts[1].trim()));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("expected N:M such as 2:4, got '" + spec + "'", e);
        }
    }

    @Override
    public List<Tensor> masks(List<PruneTarget> targets, double amount) {
        List<Tensor> out = new ArrayList<>();
        for (PruneTarget t : targets) {
            Tensor w = t.weight();
            if (w.dim() < 2 || w.size(1) % m != 0) {
                throw new IllegalArgumentException(t.name() + ": N:M needs an input dimension that is a multiple of M="
                        + m + ", got shape " + Shapes.text(w));
            }
            out.add(PruneApi.nm_mask(w, n, m));
        }
        return out;
    }

    /**
     * The weights kept per group.
     *
     * @return N
     */
    public int n() {
        return n;
    }

    /**
     * The group size.
     *
     * @return M
     */
    public int m() {
        return m;
    }

    @Override
    public String name() {
        return n + ":" + m;
    }
}
