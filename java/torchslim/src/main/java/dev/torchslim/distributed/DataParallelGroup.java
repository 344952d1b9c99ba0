package dev.torchslim.distributed;

import dev.torchslim.core.NativeLibrary;
import dev.torchslim.core.NativeResource;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.javacpp.SizeTPointer;
import org.bytedeco.javacpp.chrono.Milliseconds;
import org.bytedeco.pytorch.AllreduceOptions;
import org.bytedeco.pytorch.Backend;
import org.bytedeco.pytorch.BroadcastOptions;
import org.bytedeco.pytorch.GlooDeviceVector;
import org.bytedeco.pytorch.ProcessGroupGloo;
import org.bytedeco.pytorch.PrefixStore;
import org.bytedeco.pytorch.ReduceOp;
import org.bytedeco.pytorch.Store;
import org.bytedeco.pytorch.TCPStore;
import org.bytedeco.pytorch.TCPStoreOptions;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.Work;

/**
 * The ranks of one data-parallel job, joined through c10d: rank 0 hosts a {@code TCPStore} at
 * {@link Rendezvous#address()}, every rank connects to it, and a gloo process group (NCCL when the
 * tensors live on CUDA) runs the collectives. Every failure (a rank that cannot connect, a peer
 * that died, a timeout) arrives as a {@link DistributedException} naming this rank and the address.
 */
public final class DataParallelGroup extends NativeResource {
    /** The collective library: gloo for CPU tensors, NCCL for CUDA tensors. */
    public enum BackendKind {
        /** Gloo, for tensors on the CPU. */
        GLOO,
        /** NCCL, for tensors on CUDA devices. */
        NCCL
    }

    private final Rendezvous rendezvous;
    private final BackendKind kind;
    private final Store store;
    private final Backend backend;
    private final java.util.concurrent.atomic.AtomicInteger sequence = new java.util.concurrent.atomic.AtomicInteger();
    private volatile long bucketBytes = DataParallel.DEFAULT_BUCKET_BYTES;
    private volatile boolean overlap = true;

    private DataParallelGroup(Rendezvous rendezvous, BackendKind kind, Store store, Backend backend) {
        this.rendezvous = rendezvous;
        this.kind = kind;
        this.store = store;
        this.backend = backend;
    }

    /**
     * Joins with gloo (CPU). Blocks until every rank has joined or the rendezvous timeout passes.
     *
     * @param r where the ranks meet and this process's rank
     * @return this rank's member of the group
     * @throws DistributedException if the store cannot be reached or the group not formed in time
     */
    public static DataParallelGroup join(Rendezvous r) {
        return join(r, BackendKind.GLOO);
    }

    /**
     * Joins with the given backend. Blocks until every rank has joined or the rendezvous timeout passes.
     *
     * @param r where the ranks meet and this process's rank
     * @param kind the collective library
     * @return this rank's member of the group
     * @throws DistributedException if the store cannot be reached or the group not formed in time
     */
    public static DataParallelGroup join(Rendezvous r, BackendKind kind) {
        if (r == null || kind == null) {
            throw new IllegalArgumentException("rendezvous and backend must not be null");
        }
        NativeLibrary.ensureLoaded();
        Store store = connect(r);
        Backend backend;
        try {
            backend = kind == BackendKind.NCCL ? NcclBackend.create(store, r) : gloo(store, r);
        } catch (RuntimeException e) {
            throw new DistributedException("rank " + r.rank() + " of " + r.worldSize() + ": could not form the "
                    + kind.name().toLowerCase() + " group through " + r.address() + " within " + r.timeout().toSeconds()
                    + " s: " + DistributedException.firstLine(e), e);
        }
        return new DataParallelGroup(r, kind, store, backend);
    }

    /**
     * Rank 0 hosts the store, the others connect; under torchrun (TORCHELASTIC_USE_AGENT_STORE=True)
     * torchrun's agent already hosts it at MASTER_PORT and every rank connects, with keys under
     * the attempt's prefix as Python's workers do.
     */
    private static Store connect(Rendezvous r) {
        boolean agentStore = "True".equals(System.getenv("TORCHELASTIC_USE_AGENT_STORE"));
        TCPStoreOptions o = new TCPStoreOptions();
        o.port((short) r.masterPort());  // uint16_t in C++: 65535 wraps to -1 here and back
        o.isServer(r.rank() == 0 && !agentStore);
        o.numWorkers(new SizeTPointer(1).put(r.worldSize()));
        o.waitWorkers(true);
        o.timeout(new Milliseconds(r.timeout().toMillis()));
        try {
            TCPStore tcp = new TCPStore(r.masterAddr(), o);
            if (!agentStore) {
                return tcp;
            }
            String attempt = System.getenv().getOrDefault("TORCHELASTIC_RESTART_COUNT", "0");
            return new PrefixStore("/worker/attempt_" + attempt, tcp);
        } catch (RuntimeException e) {
            String what = r.rank() == 0
                    ? "rank 0 hosts the store at " + r.address() + " and waited " + r.timeout().toSeconds()
                            + " s for the other " + (r.worldSize() - 1) + " rank(s)"
                    : "rank " + r.rank() + " could not reach rank 0's store at " + r.address() + " within "
                            + r.timeout().toSeconds() + " s (is rank 0 running, the address right, the port open?)";
            throw new DistributedException(what + ": " + DistributedException.firstLine(e), e);
        }
    }

    private static Backend gloo(Store store, Rendezvous r) {
        ProcessGroupGloo.Options options = ProcessGroupGloo.Options.create(new Milliseconds(r.timeout().toMillis()));
        GlooDeviceVector devices = new GlooDeviceVector();
        String ifnames = System.getenv("GLOO_SOCKET_IFNAME");
        if (ifnames != null && !ifnames.isBlank()) {
            for (String name : ifnames.split(",")) {  // as Python's torch.distributed reads it
                devices.push_back(ProcessGroupGloo.createDeviceForInterface(name.strip()));
            }
        } else if (isLoopback(r.masterAddr())) {
            devices.push_back(ProcessGroupGloo.createDeviceForHostname("127.0.0.1"));
        } else {
            devices.push_back(ProcessGroupGloo.createDefaultDevice());
        }
        options.devices(devices);
        return new ProcessGroupGloo(store, r.rank(), r.worldSize(), options);
    }

    private static boolean isLoopback(String host) {
        try {
            return InetAddress.getByName(host).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }

    /**
     * This process's rank.
     *
     * @return the rank, in {@code [0, worldSize())}
     */
    public int rank() {
        return rendezvous.rank();
    }

    /**
     * The number of ranks in the group.
     *
     * @return the world size
     */
    public int worldSize() {
        return rendezvous.worldSize();
    }

    /**
     * Where the ranks met.
     *
     * @return the rendezvous this group was joined through
     */
    public Rendezvous rendezvous() {
        return rendezvous;
    }

    /**
     * The collective library the group runs on.
     *
     * @return gloo or NCCL
     */
    public BackendKind backendKind() {
        return kind;
    }

    /**
     * How training over this group all-reduces gradients (read when {@link DataParallel#prepare}
     * runs): in buckets of at most {@code bucketBytes}, each started during backward as soon as
     * all its gradients are accumulated ({@code overlap}, the default), or all started after
     * backward. Every rank must use the same settings.
     *
     * @param bucketBytes the largest bucket in bytes (default {@link DataParallel#DEFAULT_BUCKET_BYTES}, 25 MiB)
     * @param overlap start each bucket's all-reduce during backward
     * @return this group
     * @throws IllegalArgumentException if bucketBytes is not positive
     */
    public DataParallelGroup gradientReduction(long bucketBytes, boolean overlap) {
        if (bucketBytes <= 0) {
            throw new IllegalArgumentException("bucket size must be positive, got " + bucketBytes);
        }
        this.bucketBytes = bucketBytes;
        this.overlap = overlap;
        return this;
    }

    /**
     * The largest gradient bucket, in bytes.
     *
     * @return the bucket size set by {@link #gradientReduction}, 25 MiB by default
     */
    public long bucketBytes() {
        return bucketBytes;
    }

    /**
     * Whether gradient buckets are all-reduced during backward.
     *
     * @return true (the default) when each bucket starts as soon as its gradients are accumulated
     */
    public boolean overlap() {
        return overlap;
    }

    /**
     * What the gradient all-reduce of the training steps run over this group did, summed over the steps.
     *
     * @param steps training steps
     * @param buckets buckets reduced, over all steps
     * @param startedDuringBackward buckets whose all-reduce had started when backward returned
     * @param completedDuringBackward buckets whose all-reduce had completed when backward returned
     * @param backwardSeconds time in backward (the hooks' copies and starts included)
     * @param waitSeconds time after backward until every bucket was reduced and copied back
     */
    public record GradientStats(long steps, long buckets, long startedDuringBackward, long completedDuringBackward,
            double backwardSeconds, double waitSeconds) {
        /**
         * One line for a log: per step, buckets started and completed during backward, seconds in
         * backward and waiting after it.
         *
         * @return the summary
         */
        public String summary() {
            double n = Math.max(1, steps);
            return String.format("gradient all-reduce over %d steps: per step %.1f of %.1f buckets started and %.1f completed "
                    + "during backward; %.3f s in backward, then %.3f s waiting for the all-reduce", steps,
                    startedDuringBackward / n, buckets / n, completedDuringBackward / n, backwardSeconds / n, waitSeconds / n);
        }
    }

    private long statSteps;
    private long statBuckets;
    private long statStarted;
    private long statCompleted;
    private long statBackwardUs;
    private long statWaitUs;

    synchronized void addGradientStep(long buckets, long started, long completed, long backwardUs, long waitUs) {
        statSteps++;
        statBuckets += buckets;
        statStarted += started;
        statCompleted += completed;
        statBackwardUs += backwardUs;
        statWaitUs += waitUs;
    }

    /**
     * The gradient all-reduce of every training step run over this group so far, summed.
     *
     * @return steps, buckets, how many started and completed during backward, seconds in backward and after it
     */
    public synchronized GradientStats gradientStats() {
        return new GradientStats(statSteps, statBuckets, statStarted, statCompleted, statBackwardUs / 1e6, statWaitUs / 1e6);
    }

    /** The c10d backend, for the native gradient reducer; valid while this group is open. */
    Backend backend() {
        checkOpen();
        return backend;
    }

    /**
     * Starts an in-place all-reduce of one tensor; wait for it with {@link #await}.
     *
     * @param t the tensor, replaced by the reduction over all ranks
     * @param op the reduction (sum, min, max, ...)
     * @return the pending collective
     * @throws DistributedException if the collective cannot be started
     */
    public Work allReduceAsync(Tensor t, ReduceOp.RedOpType op) {
        try (Use use = use(); TensorVector v = new TensorVector(t)) {
            // Fresh options each call: a reused AllreduceOptions reverts to SUM after its first use
            // through these bindings (seen with MAX).
            AllreduceOptions o = new AllreduceOptions();
            o.reduceOp(new ReduceOp(op));
            return backend.allreduce(v, o);
        } catch (IllegalStateException e) {
            throw e;
        } catch (RuntimeException e) {
            throw failure("all-reduce", e);
        }
    }

    /**
     * In-place all-reduce of one tensor (sum, min, max, ...); returns when it is done.
     *
     * @param t the tensor, replaced by the reduction over all ranks
     * @param op the reduction
     * @throws DistributedException if a peer died or the timeout passed
     */
    public void allReduce(Tensor t, ReduceOp.RedOpType op) {
        await(allReduceAsync(t, op), "all-reduce");
    }

    /**
     * Starts an in-place broadcast of one tensor from root; wait for it with {@link #await}.
     *
     * @param t the tensor: sent on root, overwritten on every other rank
     * @param root the rank whose values are sent
     * @return the pending collective
     * @throws DistributedException if the collective cannot be started
     */
    public Work broadcastAsync(Tensor t, int root) {
        try (Use use = use(); TensorVector v = new TensorVector(t)) {
            BroadcastOptions o = new BroadcastOptions();
            o.rootRank(root);
            return backend.broadcast(v, o);
        } catch (IllegalStateException e) {
            throw e;
        } catch (RuntimeException e) {
            throw failure("broadcast", e);
        }
    }

    /**
     * In-place broadcast of one tensor from root; returns when it is done.
     *
     * @param t the tensor: sent on root, overwritten on every other rank
     * @param root the rank whose values are sent
     * @throws DistributedException if a peer died or the timeout passed
     */
    public void broadcast(Tensor t, int root) {
        await(broadcastAsync(t, root), "broadcast");
    }

    /** Every rank waits here for the others. */
    public void barrier() {
        try (Use use = use()) {
            await(backend.barrier(), "barrier");
        } catch (DistributedException | IllegalStateException e) {
            throw e;
        } catch (RuntimeException e) {
            throw failure("barrier", e);
        }
    }

    /**
     * Waits for a collective, then closes it; a dead peer or a timeout becomes a
     * {@link DistributedException}.
     *
     * @param work the pending collective
     * @param what the collective's name, for the message
     * @throws DistributedException if the collective failed
     */
    public void await(Work work, String what) {
        try {
            work._wait();
        } catch (RuntimeException e) {
            throw failure(what, e);
        } finally {
            work.close();
        }
    }

    /**
     * Waits for every collective, failing on the first error (the rest are still waited for).
     *
     * @param works the pending collectives
     * @param what the collectives' name, for the message
     * @throws DistributedException the first collective's failure
     */
    public void awaitAll(List<Work> works, String what) {
        DistributedException first = null;
        for (Work w : works) {
            try {
                await(w, what);
            } catch (DistributedException e) {
                if (first == null) {
                    first = e;
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }

    /**
     * Publishes a small string every rank can read (the model signatures use it).
     *
     * @param key the name under which the ranks read it
     * @param value the string
     * @throws DistributedException if the store cannot be written
     */
    public void publish(String key, String value) {
        try (Use use = use()) {
            store.set("torchslim/" + key, value);
        } catch (RuntimeException e) {
            throw failure("store set", e);
        }
    }

    /**
     * A string published by some rank; waits up to the timeout for it.
     *
     * @param key the name it was published under
     * @return the string
     * @throws DistributedException if it does not arrive in time or the store fails
     */
    public String read(String key) {
        try (Use use = use()) {
            return store.get_to_str("torchslim/" + key);
        } catch (RuntimeException e) {
            throw failure("store get", e);
        }
    }

    /**
     * Publishes bytes every rank can read (a whole model file: see {@link DataParallel#fromRank0}).
     *
     * @param key the name under which the ranks read them
     * @param value the bytes
     * @throws DistributedException if the store cannot be written
     */
    public void publishBytes(String key, byte[] value) {
        try (Use use = use(); org.bytedeco.pytorch.ByteVector v = new org.bytedeco.pytorch.ByteVector(value)) {
            store.set("torchslim/" + key, v);
        } catch (RuntimeException e) {
            throw failure("store set", e);
        }
    }

    /**
     * Bytes published by some rank; waits up to the timeout for them.
     *
     * @param key the name they were published under
     * @return the bytes
     * @throws DistributedException if they do not arrive in time or the store fails
     */
    public byte[] readBytes(String key) {
        try (Use use = use(); org.bytedeco.pytorch.ByteVector v = store.get("torchslim/" + key)) {
            return v.get();
        } catch (RuntimeException e) {
            throw failure("store get", e);
        }
    }

    /** A number that grows by one on each call, the same on every rank that calls in the same order. */
    int nextSequence() {
        return sequence.incrementAndGet();
    }

    DistributedException failure(String what, RuntimeException e) {
        return new DistributedException("rank " + rank() + " of " + worldSize() + " (store " + rendezvous.address()
                + "): " + what + " failed: " + DistributedException.firstLine(e)
                + " (another rank has probably failed or been killed: see its output)", e);
    }

    @Override
    protected void release() {
        List<AutoCloseable> owned = new ArrayList<>(List.of(backend, store));
        for (AutoCloseable c : owned) {
            try {
                c.close();
            } catch (Exception ignored) {
                // closing the native handles never throws in practice; nothing to recover
            }
        }
    }
}
