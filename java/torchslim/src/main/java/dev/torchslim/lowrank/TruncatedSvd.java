package dev.torchslim.lowrank;

import dev.torchslim.core.NativeLibrary;
import dev.torchslim.jni.LowRankApi;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;

/**
 * A rank-r truncated SVD a ~= u diag(s) vh: exact (LAPACK) or randomized (Halko, Martinsson and
 * Tropp: a seeded Gaussian sketch of r + {@value #OVERSAMPLE} columns, then power iterations).
 *
 * @param u the left singular vectors, m x r
 * @param s the singular values, largest first, length r
 * @param vh the right singular vectors, transposed, r x n
 */
public record TruncatedSvd(Tensor u, Tensor s, Tensor vh) {
    /** The extra columns of the randomized sketch beyond the rank. */
    public static final int OVERSAMPLE = 10;
    /** The power iterations of the randomized SVD unless a caller says otherwise. */
    public static final int DEFAULT_POWER_ITERATIONS = 2;

    /**
     * Exact for small matrices, randomized with 2 power iterations for large ones (see
     * {@link SvdMethod#AUTO}).
     *
     * @param a the matrix, two-dimensional
     * @param rank the number of singular triplets to keep
     * @return the truncated SVD
     */
    public static TruncatedSvd compute(Tensor a, int rank) {
        return compute(a, rank, SvdMethod.AUTO, DEFAULT_POWER_ITERATIONS, 0);
    }

    /**
     * The rank-r SVD by the given method.
     *
     * @param a the matrix, two-dimensional
     * @param rank the number of singular triplets to keep
     * @param method exact, randomized or auto
     * @param powerIterations power iterations of the randomized method
     * @param seed the seed of its Gaussian sketch
     * @return the truncated SVD
     */
    public static TruncatedSvd compute(Tensor a, int rank, SvdMethod method, int powerIterations, long seed) {
        if (a == null || method == null) {
            throw new IllegalArgumentException("matrix and method must not be null");
        }
        if (a.dim() != 2) {
            throw new IllegalArgumentException("truncated SVD needs a 2-D matrix, got " + a.dim() + " dimensions");
        }
        long k = Math.min(a.size(0), a.size(1));
        if (rank < 1 || rank > k) {
            throw new IllegalArgumentException("rank must be in 1.." + k + " for a " + a.size(0) + "x" + a.size(1)
                    + " matrix, got " + rank);
        }
        if (powerIterations < 0 || powerIterations > 100) {
            throw new IllegalArgumentException("power iterations must be in 0..100, got " + powerIterations);
        }
        NativeLibrary.ensureLoaded();
        try (TensorVector v = LowRankApi.truncated_svd(a, rank, method.nativeName(), powerIterations, OVERSAMPLE, seed)) {
            return new TruncatedSvd(new Tensor(v.get(0)), new Tensor(v.get(1)), new Tensor(v.get(2)));
        }
    }

    /**
     * The number of singular values kept.
     *
     * @return r
     */
    public int rank() {
        return (int) s.size(0);
    }
}
