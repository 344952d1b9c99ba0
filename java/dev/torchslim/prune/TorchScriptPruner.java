package dev.torchslim.prune;

import dev.torchslim.jni.PruneApi;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;

/**
 * Prunes a TorchScript file written by Python's torch.jit.save: only the weights of Conv and
 * Linear submodules change; the output loads in Python. Written to a temp file, then moved.
 */
public final class TorchScriptPruner {
    /** The pruning methods {@code --method} accepts. */
    public static final Set<String> METHODS = Set.of("l1", "l1-global", "random", "ln", "nm");

    /**
     * Options of one run; n is the Ln norm order, dim its dimension, nm the N:M pattern.
     *
     * @param method one of {@link #METHODS}
     * @param amount the fraction to prune, in [0, 1]
     * @param n the Ln norm order (method "ln")
     * @param dim the Ln dimension (method "ln")
     * @param nmN the N of N:M (method "nm")
     * @param nmM the M of N:M (method "nm")
     * @param seed the seed (method "random")
     */
    public record Options(String method, double amount, double n, int dim, int nmN, int nmM, long seed) {
        /**
         * Checks the options.
         *
         * @param method one of {@link #METHODS}
         * @param amount the fraction to prune, in [0, 1]
         * @param n the Ln norm order
         * @param dim the Ln dimension
         * @param nmN the N of N:M
         * @param nmM the M of N:M
         * @param seed the random seed
         * @throws IllegalArgumentException when an option is out of range
         */
        public Options {
            if (!METHODS.contains(method)) {
                throw new IllegalArgumentException("method must be one of l1, l1-global, random, ln, nm; got '"
                        + method + "'");
            }
            Amounts.check(amount);
            if (!(n > 0)) {
                throw new IllegalArgumentException("--n must be > 0 (1, 2 or inf), got " + n);
            }
            if (dim < 0) {
                throw new IllegalArgumentException("--dim must be >= 0, got " + dim);
            }
            if (nmM < 1 || nmN < 0 || nmN > nmM) {
                throw new IllegalArgumentException("--nm needs 0 <= N <= M, M >= 1; got " + nmN + ":" + nmM);
            }
        }

        /**
         * Options for a method and amount; Ln uses the L2 norm over dim 0, N:M is 2:4, seed 0.
         *
         * @param method one of {@link #METHODS}
         * @param amount the fraction to prune, in [0, 1]
         * @return the options
         */
        public static Options of(String method, double amount) {
            return new Options(method, amount, 2.0, 0, 2, 4, 0);
        }
    }

    private TorchScriptPruner() {}

    /**
     * Prunes in into out; returns the per-layer sparsity table.
     *
     * @param in the TorchScript file to prune
     * @param out the output file
     * @param o the method and its options
     * @return the sparsity table
     */
    public static String prune(Path in, Path out, Options o) {
        if (!Files.isRegularFile(in)) {
            throw new IllegalArgumentException("no TorchScript file at " + in);
        }
        Path parent = out.toAbsolutePath().getParent();
        if (parent != null && !Files.isDirectory(parent)) {
            throw new IllegalArgumentException("output directory does not exist: " + parent);
        }
        return PruneApi.prune_torchscript(in.toString(), out.toString(), o.method(), o.amount(), o.n(), o.dim(),
                o.nmN(), o.nmM(), o.seed());
    }
}
