package dev.torchslim.prune;

import dev.torchslim.jni.PruneApi;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;

/**
 * Prunes a TorchScript file written by Python's torch.jit.save: the weights of Conv*,
 * ConvTranspose*, Linear (and subclasses such as attention's out_proj), RNN/LSTM/GRU
 * (weight_ih/hh), MultiheadAttention (in_proj_weight, q/k/v_proj_weight) and, when asked,
 * Embedding/EmbeddingBag; nothing else changes and the output loads in Python. Written to a temp
 * file, then moved. The report lists every parameter: pruned, or left out and why.
 */
public final class TorchScriptPruner {
    /** The pruning methods {@code --method} accepts. */
    public static final Set<String> METHODS = Set.of("l1", "l1-global", "random", "ln", "nm");

    /**
     * Options of one run; n is the Ln norm order, dim its dimension, nm the N:M pattern.
     *
     * @param method the pruning method, one of {@link #METHODS}
     * @param amount the fraction of each weight (of all weights, for l1-global) to prune, in [0, 1]
     * @param n the norm order of ln (1, 2 or infinity)
     * @param dim the dimension ln prunes along (0: output channels)
     * @param nmN N of the N:M pattern (N values kept in every M consecutive inputs)
     * @param nmM M of the N:M pattern
     * @param seed the seed of random pruning
     * @param includeEmbedding whether Embedding/EmbeddingBag weights are pruned too
     */
    public record Options(String method, double amount, double n, int dim, int nmN, int nmM, long seed,
            boolean includeEmbedding) {
        /**
         * Checks the values.
         *
         * @param method the pruning method, one of {@link #METHODS}
         * @param amount the fraction to prune, in [0, 1]
         * @param n the norm order of ln, &gt; 0
         * @param dim the dimension ln prunes along, &gt;= 0
         * @param nmN N of the N:M pattern, in [0, M]
         * @param nmM M of the N:M pattern, &gt;= 1
         * @param seed the seed of random pruning
         * @param includeEmbedding whether Embedding/EmbeddingBag weights are pruned too
         * @throws IllegalArgumentException if a value is out of range
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
         * Embeddings left out (pass includeEmbedding to prune them too).
         *
         * @param method the pruning method, one of {@link #METHODS}
         * @param amount the fraction to prune, in [0, 1]
         * @param n the norm order of ln, &gt; 0
         * @param dim the dimension ln prunes along, &gt;= 0
         * @param nmN N of the N:M pattern, in [0, M]
         * @param nmM M of the N:M pattern, &gt;= 1
         * @param seed the seed of random pruning
         */
        public Options(String method, double amount, double n, int dim, int nmN, int nmM, long seed) {
            this(method, amount, n, dim, nmN, nmM, seed, false);
        }

        /**
         * Options with the defaults: L2 norm along dim 0, 2:4 pattern, seed 0, embeddings left out.
         *
         * @param method the pruning method, one of {@link #METHODS}
         * @param amount the fraction to prune, in [0, 1]
         * @return the options
         */
        public static Options of(String method, double amount) {
            return new Options(method, amount, 2.0, 0, 2, 4, 0);
        }

        /**
         * These options with embeddings pruned or left out.
         *
         * @param include whether Embedding/EmbeddingBag weights are pruned too
         * @return the new options
         */
        public Options withEmbeddings(boolean include) {
            return new Options(method, amount, n, dim, nmN, nmM, seed, include);
        }
    }

    private TorchScriptPruner() {}

    /** Loads the natives the prune call needs (after NativeLibrary.ensureLoadedWithoutBindings, nothing more). */
    public static void loadNatives() {
        dev.torchslim.core.NativeLibrary.load(PruneApi.class);
    }

    /**
     * Prunes in into out; returns the per-layer sparsity table (with what was left out and why).
     *
     * @param in the TorchScript file to prune
     * @param out where the pruned file is written (temp file, then moved)
     * @param o what to prune and how
     * @return the table of {@link TorchScriptPruneReport#table()}
     * @throws IllegalArgumentException if in is not a file or out's directory does not exist
     */
    public static String prune(Path in, Path out, Options o) {
        return pruneWithReport(in, out, o).table();
    }

    /**
     * Prunes in into out; returns what happened to every parameter.
     *
     * @param in the TorchScript file to prune
     * @param out where the pruned file is written (temp file, then moved)
     * @param o what to prune and how
     * @return the report: every parameter pruned, or left out and why
     * @throws IllegalArgumentException if in is not a file or out's directory does not exist
     */
    public static TorchScriptPruneReport pruneWithReport(Path in, Path out, Options o) {
        if (!Files.isRegularFile(in)) {
            throw new IllegalArgumentException("no TorchScript file at " + in);
        }
        Path parent = out.toAbsolutePath().getParent();
        if (parent != null && !Files.isDirectory(parent)) {
            throw new IllegalArgumentException("output directory does not exist: " + parent);
        }
        return TorchScriptPruneReport.parse(PruneApi.prune_torchscript(in.toString(), out.toString(), o.method(),
                o.amount(), o.n(), o.dim(), o.nmN(), o.nmM(), o.seed(), o.includeEmbedding()));
    }
}
