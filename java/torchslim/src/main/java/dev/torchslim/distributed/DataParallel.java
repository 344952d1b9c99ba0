package dev.torchslim.distributed;

import dev.torchslim.graph.ScriptModel;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.pytorch.ReduceOp;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.Work;
import org.bytedeco.pytorch.global.torch;

/**
 * One model trained data-parallel over a {@link DataParallelGroup}: what {@code GraphTrainer} asks
 * of the ranks at each point of the loop. At the start every rank checks that all hold the same
 * architecture and takes rank 0's parameters and buffers; each global batch is split among the
 * ranks ({@link #shard}); gradients are all-reduced in buckets during backward (each bucket's
 * all-reduce starts as soon as backward has accumulated all its gradients, see
 * {@link DataParallelGroup#gradientReduction}), weighted by each rank's share of the batch, so
 * every rank steps with the gradient of the whole global batch; after the step,
 * QAT observers take the min/max over the ranks (what one process would have seen on the whole
 * batch) and BatchNorm statistics are taken from rank 0 (as DDP's broadcast_buffers).
 */
public final class DataParallel implements AutoCloseable {
    /** DDP's default bucket size. */
    public static final long DEFAULT_BUCKET_BYTES = 25L << 20;

    private final DataParallelGroup group;
    private final GradientBuckets buckets;
    private final List<Tensor> observerMins = new ArrayList<>();
    private final List<Tensor> observerMaxs = new ArrayList<>();
    private final List<String> observerNames = new ArrayList<>();
    private final List<Tensor> rank0Buffers = new ArrayList<>();
    private final boolean parametersDiffered;
    private final Tensor like;  // a parameter: small control tensors go to its device (NCCL reduces CUDA tensors only)

    private DataParallel(DataParallelGroup group, GradientBuckets buckets, boolean parametersDiffered, Tensor like) {
        this.like = like;
        this.group = group;
        this.buckets = buckets;
        this.parametersDiffered = parametersDiffered;
    }

    /**
     * Checks that every rank holds the same architecture (parameter and buffer names, shapes,
     * dtypes; a {@link DistributedException} names the first difference), then copies rank 0's
     * parameters and buffers to every rank. {@code trainable} are the parameters the optimizer steps.
     *
     * @param group the ranks
     * @param model this rank's model
     * @param trainable the parameters the optimizer steps (their gradients are all-reduced); not empty
     * @return the per-step hooks for the training loop
     * @throws DistributedException if the ranks hold different architectures or a collective fails
     */
    public static DataParallel prepare(DataParallelGroup group, ScriptModel model, List<Tensor> trainable) {
        if (group == null || model == null || trainable == null) {
            throw new IllegalArgumentException("group, model and parameters must not be null");
        }
        List<Tensor> params = model.parameters();
        checkSameArchitecture(group, model, trainable.get(0));
        Map<String, Tensor> buffers = model.buffers();
        boolean differed = checksumsDiffer(group, params);
        List<Tensor> all = new ArrayList<>(params);
        all.addAll(buffers.values());
        broadcastFromRank0(group, all);
        DataParallel dp = new DataParallel(group, new GradientBuckets(group, trainable, names(model, trainable),
                group.bucketBytes(), group.overlap()), differed, trainable.get(0));
        // By name: a saved and reloaded graph may list its buffers in another order.
        for (Map.Entry<String, Tensor> b : new java.util.TreeMap<>(buffers).entrySet()) {
            String name = b.getKey();
            if (name.endsWith("min_val")) {
                dp.observerMins.add(b.getValue());
                dp.observerNames.add(name);
            } else if (name.endsWith("max_val")) {
                dp.observerMaxs.add(b.getValue());
            } else if (name.endsWith("running_mean") || name.endsWith("running_var") || name.endsWith("num_batches_tracked")) {
                dp.rank0Buffers.add(b.getValue());
            }
        }
        return dp;
    }

    /**
     * Rank 0's model on every rank, structure and weights, sent as a TorchScript file through the
     * store. For models built by graph passes whose naming is not the same in every process:
     * LibTorch's observer insertion (QAT) numbers the observers in an order that varies between
     * processes, so the same name would mean different observers on different ranks. On rank 0
     * returns {@code local}; elsewhere closes it and returns rank 0's copy.
     *
     * @param group the ranks
     * @param local this rank's model
     * @return rank 0's model: {@code local} on rank 0, a loaded copy elsewhere
     * @throws DistributedException if the model cannot be passed
     */
    public static ScriptModel fromRank0(DataParallelGroup group, ScriptModel local) {
        String key = "model-file/" + group.nextSequence();
        try {
            if (group.rank() == 0) {
                Path tmp = Files.createTempFile("torchslim-rank0-", ".pt");
                try {
                    local.save(tmp);
                    group.publishBytes(key, Files.readAllBytes(tmp));
                } finally {
                    Files.deleteIfExists(tmp);
                }
                group.barrier();
                return local;
            }
            Path tmp = Files.createTempFile("torchslim-rank" + group.rank() + "-", ".pt");
            try {
                Files.write(tmp, group.readBytes(key));
                ScriptModel copy = ScriptModel.load(tmp);
                // Loaded tensors have fixed-size storage; empty per-channel observer buffers grow on
                // their first forward, so they get ordinary storage.
                for (Tensor b : copy.buffers().values()) {
                    if (b.numel() == 0) {
                        b.set_(torch.zeros(new long[] {0}, b.options()));
                    }
                }
                local.close();
                group.barrier();
                return copy;
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (IOException e) {
            throw new DistributedException("rank " + group.rank() + ": could not pass rank 0's model: " + e.getMessage(), e);
        }
    }

    /**
     * The ranks this model is trained over.
     *
     * @return the group
     */
    public DataParallelGroup group() {
        return group;
    }

    /**
     * Whether the ranks started from different parameter values (rank 0's were copied to all).
     *
     * @return true if some rank's parameters differed from the others' before the copy
     */
    public boolean parametersDiffered() {
        return parametersDiffered;
    }

    /**
     * This rank's rows of one global batch {@code order[from .. from+count)}: every world-size-th
     * row starting at this rank's index, which is what PyTorch's DistributedSampler gives each
     * rank of the same permutation; the ranks' shares together are the global batch.
     *
     * @param order the epoch's row order
     * @param from the global batch's first position in {@code order}
     * @param count the global batch's size
     * @return this rank's row indices
     */
    public long[] shard(long[] order, int from, int count) {
        return shard(order, from, count, group.rank(), group.worldSize());
    }

    /**
     * Rank r of w's rows of the global batch {@code order[from .. from+count)} (see {@link #shard(long[], int, int)}).
     *
     * @param order the epoch's row order
     * @param from the global batch's first position in {@code order}
     * @param count the global batch's size
     * @param r the rank
     * @param w the world size
     * @return rank r's row indices
     * @throws IllegalArgumentException if r is not a rank of w or the batch lies outside {@code order}
     */
    public static long[] shard(long[] order, int from, int count, int r, int w) {
        if (w < 1 || r < 0 || r >= w || from < 0 || count < 0 || from + count > order.length) {
            throw new IllegalArgumentException("no shard " + r + " of " + w + " of rows [" + from + ", " + (from + count)
                    + ") of " + order.length);
        }
        int k = count > r ? (count - r + w - 1) / w : 0;
        long[] local = new long[k];
        for (int i = 0; i < k; i++) {
            local[i] = order[from + r + i * w];
        }
        return local;
    }

    /**
     * Backward of this rank's loss with the gradients all-reduced: afterwards every gradient is
     * the gradient of the mean loss over the global batch (each rank's mean-loss gradient weighted
     * by localRows / globalRows, summed over the ranks). With overlap, buckets are all-reduced
     * while backward runs; this returns when all are reduced. Returns that global mean loss.
     *
     * @param loss this rank's mean loss over its rows, or null when it has no rows in this batch
     * @param localRows the rows of the global batch this rank ran
     * @param globalRows the rows of the whole global batch
     * @return the mean loss over the global batch
     * @throws DistributedException if a collective fails
     */
    public double backward(Tensor loss, int localRows, int globalRows) {
        double w = (double) localRows / globalRows;
        double localLoss = loss == null || localRows == 0 ? 0.0 : loss.item_double();
        Tensor sum = onDeviceOf(like, torch.full(new long[] {1}, new Scalar(localLoss * w),
                new TensorOptions(torch.ScalarType.Double)));
        buckets.backward(localRows == 0 ? null : loss, w, sum);
        return sum.item_double();
    }

    /**
     * Buckets whose all-reduce had started, and had completed, when the last backward returned
     * (the overlap achieved; both 0 without overlap).
     *
     * @return {started, completed}
     */
    public long[] overlapOfLastStep() {
        return buckets.overlapOfLastStep();
    }

    /**
     * The number of gradient buckets.
     *
     * @return how many buckets the trainable parameters fill
     */
    public int bucketCount() {
        return buckets.count();
    }

    /** The bucket of trainable parameter i (tests). */
    int bucketOf(int i) {
        return buckets.bucketOf(i);
    }

    /** Records the reducer's events from the next step on (tests). */
    void recordEvents(boolean on) {
        buckets.recordEvents(on);
    }

    /** The last step's events, in order (tests): "ready P @us", "start B @us", "finish @us", "done B @us". */
    List<String> events() {
        return buckets.events();
    }

    /** Removes the gradient hooks from the parameters; the group stays open. */
    @Override
    public void close() {
        buckets.close();
    }

    /** After the optimizer step: observers and BatchNorm statistics made equal on every rank. */
    public void afterStep() {
        if (!observerMins.isEmpty() || !observerMaxs.isEmpty()) {
            syncObservers();
        }
        if (!rank0Buffers.isEmpty()) {
            List<Work> works = new ArrayList<>();
            for (Tensor b : rank0Buffers) {
                works.add(group.broadcastAsync(b, 0));
            }
            group.awaitAll(works, "buffer broadcast");
        }
    }

    /**
     * Min over ranks of every observer's min_val, max of max_val: for min/max and moving-average
     * observers that is exactly what one process would hold after the whole global batch. A rank
     * whose per-channel observer saw no rows yet (empty) takes the others' shape, neutral values.
     */
    private void syncObservers() {
        List<Tensor> all = new ArrayList<>(observerMins);
        all.addAll(observerMaxs);
        long[] sizes = new long[all.size()];
        for (int i = 0; i < sizes.length; i++) {
            sizes[i] = all.get(i).numel();
        }
        Tensor numels;
        try (LongPointer lp = new LongPointer(sizes)) {
            numels = onDeviceOf(like, torch.from_blob(lp, new long[] {sizes.length}, new TensorOptions(torch.ScalarType.Long)).clone());
        }
        group.allReduce(numels, ReduceOp.RedOpType.MAX);
        for (int i = 0; i < sizes.length; i++) {
            long want = numels.get(i).item_long();
            Tensor t = all.get(i);
            if (t.numel() != want) {
                if (t.numel() != 0) {
                    throw new DistributedException("rank " + group.rank() + ": observer buffer "
                            + (i < observerNames.size() ? observerNames.get(i) : "max_val " + (i - observerNames.size()))
                            + " holds " + t.numel() + " values, another rank's " + want + " " + observerNames);
                }
                t.resize_(new long[] {want});
                t.fill_(new Scalar(i < observerMins.size() ? Double.POSITIVE_INFINITY : Double.NEGATIVE_INFINITY));
            }
        }
        reduceFlat(observerMins, ReduceOp.RedOpType.MIN);
        reduceFlat(observerMaxs, ReduceOp.RedOpType.MAX);
    }

    private void reduceFlat(List<Tensor> tensors, ReduceOp.RedOpType op) {
        if (tensors.isEmpty()) {
            return;
        }
        List<Tensor> flat = new ArrayList<>();
        for (Tensor t : tensors) {
            flat.add(t.reshape(-1).to(torch.ScalarType.Double));
        }
        Tensor joined = torch.cat(new org.bytedeco.pytorch.TensorArrayRef(new org.bytedeco.pytorch.TensorVector(flat.toArray(new Tensor[0]))), 0);
        group.allReduce(joined, op);
        long off = 0;
        for (Tensor t : tensors) {
            long n = t.numel();
            t.copy_(joined.narrow(0, off, n).view(t.sizes().vec().get()));
            off += n;
        }
    }

    /** The trainable tensors' names in the model ("extra parameter k" for tensors that are not the model's). */
    private static List<String> names(ScriptModel model, List<Tensor> trainable) {
        Map<Long, String> byAddress = new java.util.HashMap<>();
        List<Tensor> params = model.parameters();
        List<ScriptModel.ParameterInfo> info = model.parameterInfo();
        for (int i = 0; i < Math.min(params.size(), info.size()); i++) {
            byAddress.put(params.get(i).data_ptr().address(), info.get(i).name());
        }
        List<String> out = new ArrayList<>();
        for (int i = 0; i < trainable.size(); i++) {
            out.add(byAddress.getOrDefault(trainable.get(i).data_ptr().address(), "extra parameter " + i));
        }
        return out;
    }

    private static void checkSameArchitecture(DataParallelGroup group, ScriptModel model, Tensor like) {
        StringBuilder sig = new StringBuilder();
        for (ScriptModel.ParameterInfo p : model.parameterInfo()) {
            sig.append("parameter ").append(p.name()).append(' ').append(p.shape()).append(' ').append(p.dtype())
                    .append(p.requiresGrad() ? "" : " frozen").append('\n');
        }
        for (Map.Entry<String, Tensor> b : model.buffers().entrySet()) {
            sig.append("buffer ").append(b.getKey()).append(' ').append(b.getValue().scalar_type()).append('\n');
        }
        // Buckets are matched by position: every rank must cut them the same way.
        sig.append("gradient reduction: buckets of ").append(group.bucketBytes()).append(" bytes, overlap ")
                .append(group.overlap() ? "on" : "off").append('\n');
        String text = sig.toString();
        long h = fnv64(text);
        group.publish("model/" + group.rank(), text);
        Tensor hashes;
        try (LongPointer lp = new LongPointer(h, -h)) {
            hashes = onDeviceOf(like, torch.from_blob(lp, new long[] {2}, new TensorOptions(torch.ScalarType.Long)).clone());
        }
        group.allReduce(hashes, ReduceOp.RedOpType.MIN);
        if (hashes.get(0).item_long() == -hashes.get(1).item_long()) {
            return;
        }
        String[] zero = group.read("model/0").split("\n", -1);
        for (int r = 1; r < group.worldSize(); r++) {
            String[] other = group.read("model/" + r).split("\n", -1);
            for (int i = 0; i < Math.max(zero.length, other.length); i++) {
                String a = i < zero.length ? zero[i] : "(nothing)";
                String b = i < other.length ? other[i] : "(nothing)";
                if (!a.equals(b) && a.startsWith("gradient reduction")) {
                    throw new DistributedException("the ranks reduce gradients differently: rank 0 has '" + a
                            + "' where rank " + r + " has '" + b + "' (give every rank the same --bucket-mb and --overlap)");
                }
                if (!a.equals(b)) {
                    throw new DistributedException("the ranks hold different models: rank 0 has '" + a + "' where rank "
                            + r + " has '" + b + "' (give every rank the same model file)");
                }
            }
        }
        throw new DistributedException("the ranks hold different models (signature hashes differ)");
    }

    private static boolean checksumsDiffer(DataParallelGroup group, List<Tensor> params) {
        double sum = 0;
        double abs = 0;
        for (Tensor p : params) {
            sum += p.detach().sum().to(torch.ScalarType.Double).item_double();
            abs += p.detach().abs().sum().to(torch.ScalarType.Double).item_double();
        }
        Tensor c;
        try (DoublePointer dp = new DoublePointer(sum, abs, -sum, -abs)) {
            c = onDeviceOf(params.get(0), torch.from_blob(dp, new long[] {4}, new TensorOptions(torch.ScalarType.Double)).clone());
        }
        group.allReduce(c, ReduceOp.RedOpType.MIN);
        return c.get(0).item_double() != -c.get(2).item_double() || c.get(1).item_double() != -c.get(3).item_double();
    }

    private static void broadcastFromRank0(DataParallelGroup group, List<Tensor> tensors) {
        List<Work> works = new ArrayList<>();
        List<Tensor[]> copyBack = new ArrayList<>();
        for (Tensor t : tensors) {
            Tensor d = t.detach();
            if (d.numel() == 0) {
                continue;
            }
            if (!d.is_contiguous()) {
                Tensor c = d.contiguous();
                copyBack.add(new Tensor[] {d, c});
                d = c;
            }
            works.add(group.broadcastAsync(d, 0));
        }
        group.awaitAll(works, "parameter broadcast");
        for (Tensor[] dc : copyBack) {
            dc[0].copy_(dc[1]);
        }
    }

    /** A CPU tensor moved to the device of like (a CUDA model's collectives run on CUDA tensors). */
    private static Tensor onDeviceOf(Tensor like, Tensor cpu) {
        return like.is_cuda() ? cpu.to(like.device(), cpu.scalar_type()) : cpu;
    }

    private static long fnv64(String s) {
        long h = 0xcbf29ce484222325L;
        for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
            h ^= b & 0xff;
            h *= 0x100000001b3L;
        }
        return h;
    }
}
