package dev.torchslim.distributed;

import java.util.ArrayList;
import java.util.List;
import org.bytedeco.pytorch.ReduceOp;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.Work;
import org.bytedeco.pytorch.global.torch;

/**
 * Gradients all-reduced in buckets, as DDP's Reducer does: parameters grouped (last layers first,
 * the order backward produces them) into flat buffers of at most {@code bucketBytes}; each bucket
 * is flattened, scaled, and its all-reduce started before the next bucket is flattened, so
 * communication overlaps the copying; then every gradient is copied back from its bucket.
 * Buckets are reduced after backward, not during it.
 */
final class GradientBuckets {
    private final List<List<Tensor>> buckets = new ArrayList<>();
    private final List<Tensor> flats = new ArrayList<>();

    GradientBuckets(List<Tensor> params, long bucketBytes) {
        List<Tensor> current = new ArrayList<>();
        long bytes = 0;
        for (int i = params.size() - 1; i >= 0; i--) {
            Tensor p = params.get(i);
            long b = p.numel() * p.element_size();
            if (!current.isEmpty() && (bytes + b > bucketBytes || !sameType(current.get(0), p))) {
                close(current);
                current = new ArrayList<>();
                bytes = 0;
            }
            current.add(p);
            bytes += b;
        }
        if (!current.isEmpty()) {
            close(current);
        }
    }

    private static boolean sameType(Tensor a, Tensor b) {
        return a.scalar_type() == b.scalar_type() && a.device().type() == b.device().type();
    }

    private void close(List<Tensor> bucket) {
        long n = 0;
        for (Tensor p : bucket) {
            n += p.numel();
        }
        buckets.add(bucket);
        Tensor flat = torch.zeros(new long[] {n}, bucket.get(0).options());
        flats.add(flat);
    }

    int count() {
        return buckets.size();
    }

    /**
     * Replaces every gradient by the sum over ranks of (gradient × scale); a parameter without a
     * gradient on this rank (unused, or no rows here) counts as zero and gets the sum.
     * {@code extra}, when not null, is all-reduced (summed) alongside.
     */
    void allReduce(DataParallelGroup group, double scale, Tensor extra) {
        List<Work> works = new ArrayList<>();
        Scalar s = new Scalar(scale);
        for (int b = 0; b < buckets.size(); b++) {
            Tensor flat = flats.get(b);
            long off = 0;
            for (Tensor p : buckets.get(b)) {
                Tensor g = p.grad();
                Tensor slot = flat.narrow(0, off, p.numel());
                if (g.defined()) {
                    slot.copy_(g.reshape(-1));
                } else {
                    slot.zero_();
                }
                off += p.numel();
            }
            if (scale != 1.0) {
                flat.mul_(s);
            }
            works.add(group.allReduceAsync(flat, ReduceOp.RedOpType.SUM));
        }
        if (extra != null) {
            works.add(group.allReduceAsync(extra, ReduceOp.RedOpType.SUM));
        }
        group.awaitAll(works, "gradient all-reduce");
        for (int b = 0; b < buckets.size(); b++) {
            Tensor flat = flats.get(b);
            long off = 0;
            for (Tensor p : buckets.get(b)) {
                Tensor reduced = flat.narrow(0, off, p.numel()).view(p.sizes().vec().get());
                Tensor g = p.grad();
                if (g.defined()) {
                    g.copy_(reduced);
                } else {
                    p.mutable_grad().put(reduced.clone());
                }
                off += p.numel();
            }
        }
    }
}
