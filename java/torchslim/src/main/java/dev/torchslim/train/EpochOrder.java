package dev.torchslim.train;

import java.util.Random;

/**
 * The order in which an epoch visits the rows: a permutation seeded by (seed, epoch) alone, as
 * PyTorch's DistributedSampler seeds each epoch with seed + epoch. Every rank of a data-parallel
 * job computes the same order without talking, and a resumed job needs no replay.
 */
public final class EpochOrder {
    private EpochOrder() {}

    /**
     * A Fisher-Yates shuffle of 0..n-1 from a generator seeded by seed and epoch.
     *
     * @param seed the job's seed
     * @param epoch the epoch, from 0
     * @param n the number of rows
     * @return the rows in this epoch's order
     * @throws IllegalArgumentException if n or epoch is negative
     */
    public static long[] permutation(long seed, int epoch, int n) {
        if (n < 0 || epoch < 0) {
            throw new IllegalArgumentException("rows and epoch must be >= 0, got " + n + " and " + epoch);
        }
        Random random = new Random(seed * 0x9E3779B97F4A7C15L + epoch);
        long[] order = new long[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            long t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        return order;
    }
}
