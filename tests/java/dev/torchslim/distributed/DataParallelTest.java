package dev.torchslim.distributed;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.torchslim.core.NativeLibrary;
import dev.torchslim.data.TensorData;
import dev.torchslim.graph.ScriptModel;
import dev.torchslim.examples.model.SimpleModel;
import dev.torchslim.examples.model.StudentModel;
import dev.torchslim.quantize.Int8QatConfig;
import dev.torchslim.quantize.Quantize;
import dev.torchslim.train.EpochOrder;
import dev.torchslim.train.GraphTrainer;
import dev.torchslim.train.Loss;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

/**
 * Data-parallel training with the ranks as threads of this JVM (gloo on loopback): the same
 * collectives as between processes, without their start-up cost. Processes: DataParallelProcessTest.
 */
class DataParallelTest {
    /** One rank's work on its group. */
    interface RankBody<T> {
        T run(DataParallelGroup group) throws Exception;
    }

    /** Runs body on world threads, each joined as one rank of a group on loopback; results in rank order. */
    private static <T> List<T> ranks(int world, RankBody<T> body) throws Exception {
        int port = LocalLauncher.freePort();
        ExecutorService pool = Executors.newFixedThreadPool(world);
        try {
            List<Future<T>> futures = new ArrayList<>();
            for (int r = 0; r < world; r++) {
                Rendezvous rv = new Rendezvous(r, world, "127.0.0.1", port, Duration.ofSeconds(30));
                futures.add(pool.submit(() -> {
                    try (DataParallelGroup g = DataParallelGroup.join(rv)) {
                        return body.run(g);
                    }
                }));
            }
            List<T> out = new ArrayList<>();
            List<Throwable> failures = new ArrayList<>();
            for (Future<T> f : futures) {
                try {
                    out.add(f.get(120, TimeUnit.SECONDS));
                } catch (java.util.concurrent.ExecutionException e) {
                    failures.add(e.getCause());
                }
            }
            if (!failures.isEmpty()) {  // the cause first, the peers' "connection closed" after it
                failures.sort(java.util.Comparator.comparing(t -> String.valueOf(t.getMessage()).contains("another rank") ? 1 : 0));
                AssertionError e = new AssertionError("a rank failed: " + failures.get(0), failures.get(0));
                failures.subList(1, failures.size()).forEach(e::addSuppressed);
                throw e;
            }
            return out;
        } finally {
            pool.shutdownNow();
        }
    }

    private static ScriptModel traced(org.bytedeco.pytorch.SequentialImpl m) {
        return ScriptModel.trace(m, torch.randn(1, 1, 28, 28));
    }

    private static List<Tensor> clones(List<Tensor> ts) {
        List<Tensor> out = new ArrayList<>();
        for (Tensor t : ts) {
            out.add(t.detach().clone());
        }
        return out;
    }

    @Test
    void shardsOfAGlobalBatchAreDisjointAndTogetherTheBatch() {
        long[] order = EpochOrder.permutation(3, 1, 50);
        assertArrayEquals(order, EpochOrder.permutation(3, 1, 50), "an epoch's order depends on seed and epoch only");
        assertTrue(!Arrays.equals(order, EpochOrder.permutation(3, 2, 50)), "epochs shuffle differently");
        for (int world : new int[] {1, 2, 3, 4}) {
            for (int count : new int[] {0, 1, 3, 7, 16}) {
                List<Long> union = new ArrayList<>();
                for (int r = 0; r < world; r++) {
                    long[] s = DataParallel.shard(order, 10, count, r, world);
                    assertTrue(s.length == count / world || s.length == count / world + 1, "uneven shard " + s.length);
                    for (long v : s) {
                        union.add(v);
                    }
                }
                union.sort(null);
                List<Long> expected = new ArrayList<>();
                for (int i = 10; i < 10 + count; i++) {
                    expected.add(order[i]);
                }
                expected.sort(null);
                assertEquals(expected, union, "world " + world + ", batch " + count);
            }
        }
    }

    @Test
    void rendezvousComesFromOptionsOrTorchrunsVariables() {
        assertNull(Rendezvous.resolve(null, null, null, null, null, Map.of()));
        Rendezvous r = Rendezvous.resolve(null, null, null, null, null,
                Map.of("RANK", "1", "WORLD_SIZE", "4", "MASTER_ADDR", "10.0.0.5", "MASTER_PORT", "29555"));
        assertEquals(new Rendezvous(1, 4, "10.0.0.5", 29555, Rendezvous.DEFAULT_TIMEOUT), r);
        Rendezvous o = Rendezvous.resolve(2, 4, "h", 1234, Duration.ofSeconds(5), Map.of("RANK", "1", "WORLD_SIZE", "8"));
        assertEquals(new Rendezvous(2, 4, "h", 1234, Duration.ofSeconds(5)), o);
        assertEquals(29500, Rendezvous.resolve(null, null, null, null, null, Map.of("RANK", "0", "WORLD_SIZE", "2")).masterPort());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Rendezvous.resolve(null, null, null, null, null, Map.of("RANK", "4", "WORLD_SIZE", "4")));
        assertTrue(e.getMessage().contains("[0, 3]"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Rendezvous.resolve(null, 2, null, null, null, Map.of()));
        assertThrows(IllegalArgumentException.class,
                () -> Rendezvous.resolve(null, null, null, null, null, Map.of("RANK", "x", "WORLD_SIZE", "2")));
    }

    @Test
    void aRankThatCannotConnectFailsWithinTheTimeoutNamingTheAddress() throws Exception {
        NativeLibrary.ensureLoaded();
        int port = LocalLauncher.freePort();  // nobody listens there
        long t0 = System.nanoTime();
        DistributedException e = assertThrows(DistributedException.class, () -> DataParallelGroup.join(
                new Rendezvous(1, 2, "127.0.0.1", port, Duration.ofMillis(1500))));
        double seconds = (System.nanoTime() - t0) / 1e9;
        assertTrue(e.getMessage().contains("127.0.0.1:" + port), e.getMessage());
        assertTrue(e.getMessage().contains("rank 1 could not reach rank 0"), e.getMessage());
        assertTrue(!e.getMessage().contains("Exception raised from"), "backtrace in the message: " + e.getMessage());
        assertTrue(seconds < 30, "took " + seconds + " s");
    }

    @Test
    void differentModelsAreRefusedOnEveryRankNamingTheDifference() throws Exception {
        NativeLibrary.ensureLoaded();
        List<String> messages = ranks(2, g -> {
            try (ScriptModel m = traced(g.rank() == 0 ? SimpleModel.create() : StudentModel.create())) {
                try {
                    DataParallel.prepare(g, m, m.parameters());
                    return "no error";
                } catch (DistributedException e) {
                    return e.getMessage();
                }
            }
        });
        for (String m : messages) {
            assertTrue(m.contains("the ranks hold different models") && m.contains("conv1.weight"), m);
        }
    }

    @Test
    void differentBucketSettingsAreRefusedOnEveryRank() throws Exception {
        NativeLibrary.ensureLoaded();
        List<String> messages = ranks(2, g -> {
            g.gradientReduction(g.rank() == 0 ? 4096 : 8192, true);
            try (ScriptModel m = traced(SimpleModel.create())) {
                try (DataParallel dp = DataParallel.prepare(g, m, m.parameters())) {
                    return "no error";
                } catch (DistributedException e) {
                    return e.getMessage();
                }
            }
        });
        for (String m : messages) {
            assertTrue(m.contains("the ranks reduce gradients differently") && m.contains("buckets of 4096 bytes")
                    && m.contains("buckets of 8192 bytes"), m);
        }
    }

    @Test
    void twoRanksTrainAsOneProcessAndQatObserversAgree() throws Exception {
        NativeLibrary.ensureLoaded();
        torch.manual_seed(11);
        Tensor x = torch.randn(40, 1, 28, 28);
        Tensor y = torch.randint(10, new long[] {40});
        TensorData data = TensorData.of("synthetic", x, y);
        GraphTrainer.Config config = new GraphTrainer.Config(12, 1e-3, 2, 5);
        GraphTrainer.BatchLoss nll = (out, target, rows) -> Loss.NLL.compute(out, target);
        ScriptModel start = traced(SimpleModel.create());
        List<Tensor> single;
        try (ScriptModel one = start.copy()) {
            GraphTrainer.fit(one, data, nll, config, false, null);
            single = clones(one.parameters());
        }
        // Each rank starts from its own random weights: rank 0's are broadcast.
        List<List<Tensor>> parallel = ranks(2, g -> {
            try (ScriptModel m = g.rank() == 0 ? start.copy() : traced(SimpleModel.create())) {
                GraphTrainer.fit(m, data, nll, config, false, g);
                return clones(m.parameters());
            }
        });
        for (int i = 0; i < single.size(); i++) {
            for (List<Tensor> p : parallel) {
                double rel = single.get(i).sub(p.get(i)).norm().item_double() / single.get(i).norm().item_double();
                assertTrue(rel < 1e-4, "parameter " + i + " differs by " + rel);
            }
            assertTrue(parallel.get(0).get(i).equal(parallel.get(1).get(i)), "ranks diverged at parameter " + i);
        }
        // QAT: fake-quantize observers' min/max reduced over the ranks each step, identical on both.
        List<List<Tensor>> qat = ranks(2, g -> {
            try (ScriptModel q = DataParallel.fromRank0(g, Quantize.prepareQat(start, Int8QatConfig.config()))) {
                GraphTrainer.fit(q, data, nll, new GraphTrainer.Config(12, 1e-3, 1, 5), false, g);
                List<Tensor> state = clones(q.parameters());
                int observed = 0;
                for (Map.Entry<String, Tensor> b : q.buffers().entrySet()) {
                    state.add(b.getValue().detach().clone());
                    observed += b.getKey().endsWith("min_val") && b.getValue().numel() > 0 ? 1 : 0;
                }
                assertTrue(observed > 3, "only " + observed + " observers saw data");
                return state;
            }
        });
        assertEquals(qat.get(0).size(), qat.get(1).size());
        for (int i = 0; i < qat.get(0).size(); i++) {
            assertTrue(qat.get(0).get(i).equal(qat.get(1).get(i)), "QAT state " + i + " differs between the ranks");
        }
        start.close();
    }

    /** One step of rank g over its shard of rows [0, count) with the given reducer settings: the events and gradients. */
    private static Object[] oneStep(DataParallelGroup g, ScriptModel start, Tensor x, Tensor y, int count, boolean overlap,
            Tensor extra) {
        g.gradientReduction(4096, overlap);
        try (ScriptModel m = start.copy()) {
            m.train(true);
            List<Tensor> params = new ArrayList<>(m.parameters());
            if (extra != null) {
                params.add(extra);
            }
            try (DataParallel dp = DataParallel.prepare(g, m, params)) {
                dp.recordEvents(true);
                long[] order = new long[count];
                for (int i = 0; i < count; i++) {
                    order[i] = i;
                }
                long[] rows = dp.shard(order, 0, count);
                Tensor idx;
                try (org.bytedeco.javacpp.LongPointer lp = new org.bytedeco.javacpp.LongPointer(rows)) {
                    idx = torch.from_blob(lp, new long[] {rows.length}, new org.bytedeco.pytorch.TensorOptions(torch.ScalarType.Long)).clone();
                }
                Tensor loss = Loss.NLL.compute(m.forward(x.index_select(0, idx)), y.index_select(0, idx));
                if (extra != null && g.rank() == 0) {  // only rank 0's loss uses it
                    loss = loss.add(extra.mul(extra).sum());
                }
                double global = dp.backward(loss, rows.length, count);
                List<Integer> bucketOf = new ArrayList<>();
                for (int i = 0; i < params.size(); i++) {
                    bucketOf.add(dp.bucketOf(i));
                }
                List<Tensor> grads = new ArrayList<>();
                for (Tensor p : params) {
                    grads.add(p.grad().clone());
                }
                return new Object[] {dp.events(), bucketOf, grads, global, dp.overlapOfLastStep()};
            }
        }
    }

    private static int indexOf(List<String> events, String prefix) {
        for (int i = 0; i < events.size(); i++) {
            if (events.get(i).startsWith(prefix + " @") || events.get(i).equals(prefix)) {
                return i;
            }
        }
        return -1;
    }

    @Test
    @SuppressWarnings("unchecked")
    void bucketsAreAllReducedDuringBackwardInOrderAndGiveTheSameGradients() throws Exception {
        NativeLibrary.ensureLoaded();
        torch.manual_seed(3);
        Tensor x = torch.randn(9, 1, 28, 28);
        Tensor y = torch.randint(10, new long[] {9});
        ScriptModel start = traced(SimpleModel.create());
        List<Object[]> on = ranks(2, g -> oneStep(g, start, x, y, 9, true, null));
        List<Object[]> off = ranks(2, g -> oneStep(g, start, x, y, 9, false, null));
        for (int r = 0; r < 2; r++) {
            List<String> ev = (List<String>) on.get(r)[0];
            List<Integer> bucketOf = (List<Integer>) on.get(r)[1];
            int buckets = 1 + bucketOf.stream().max(Integer::compare).orElseThrow();
            assertTrue(buckets >= 4, "4 KiB buckets of the SimpleModel: " + bucketOf);
            int start0 = indexOf(ev, "start 0");
            int finish = indexOf(ev, "finish");
            assertTrue(start0 >= 0 && finish > start0, "rank " + r + ": bucket 0 did not start before backward returned: " + ev);
            // Backward was still accumulating gradients of later buckets when bucket 0's all-reduce started.
            int later = -1;
            for (int i = start0 + 1; i < finish; i++) {
                String e = ev.get(i);
                if (e.startsWith("ready ") && bucketOf.get(Integer.parseInt(e.split(" ")[1])) > 0) {
                    later = i;
                    break;
                }
            }
            assertTrue(later > start0, "rank " + r + ": no gradient of a later bucket was accumulated after bucket 0 started: " + ev);
            // Every bucket started during backward, in index order (the same order on every rank).
            int previous = -1;
            for (int b = 0; b < buckets; b++) {
                int at = indexOf(ev, "start " + b);
                assertTrue(at > previous && at < finish, "rank " + r + ": bucket " + b + " out of order: " + ev);
                previous = at;
            }
            long[] overlap = (long[]) on.get(r)[4];
            assertEquals(buckets, overlap[0], "buckets started before backward returned");
            // Without overlap, every bucket starts after backward.
            List<String> evOff = (List<String>) off.get(r)[0];
            assertTrue(indexOf(evOff, "start 0") > indexOf(evOff, "finish"), "overlap off: " + evOff);
            assertEquals(0, ((long[]) off.get(r)[4])[0]);
            // The same sums either way, bit for bit, and the same on both ranks.
            List<Tensor> a = (List<Tensor>) on.get(r)[2];
            List<Tensor> b = (List<Tensor>) off.get(r)[2];
            for (int i = 0; i < a.size(); i++) {
                assertTrue(a.get(i).equal(b.get(i)), "gradient " + i + " differs with overlap on rank " + r);
                assertTrue(a.get(i).equal(((List<Tensor>) on.get(1 - r)[2]).get(i)), "gradient " + i + " differs between ranks");
            }
            assertEquals((double) on.get(r)[3], (double) off.get(r)[3], 0.0, "global loss");
        }
        start.close();
    }

    @Test
    @SuppressWarnings("unchecked")
    void aParameterWithoutGradientOnOneRankCountsAsZeroThereAndKeepsTheOverlap() throws Exception {
        NativeLibrary.ensureLoaded();
        torch.manual_seed(4);
        Tensor x = torch.randn(9, 1, 28, 28);
        Tensor y = torch.randint(10, new long[] {9});
        ScriptModel start = traced(SimpleModel.create());
        List<Object[]> res = ranks(2, g -> oneStep(g, start, x, y, 9, true,
                torch.full(new long[] {3}, new org.bytedeco.pytorch.Scalar(1.5)).requires_grad_(true)));
        int extraIndex = ((List<Integer>) res.get(0)[1]).size() - 1;
        assertEquals(0, ((List<Integer>) res.get(0)[1]).get(extraIndex), "the last parameter is in bucket 0");
        List<String> ev1 = (List<String>) res.get(1)[0];
        assertTrue(indexOf(ev1, "unreachable " + extraIndex) >= 0 && indexOf(ev1, "unreachable " + extraIndex) < indexOf(ev1, "start 0"),
                "rank 1 should mark the parameter its loss does not use ready before backward: " + ev1);
        assertTrue(indexOf(ev1, "start 0") < indexOf(ev1, "finish"), "bucket 0 still starts during backward: " + ev1);
        // Rank 0 has 5 of the 9 rows: d/da of (5/9) (a.a) summed with rank 1's zero is (5/9) 2a.
        double expected = 5.0 / 9 * 2 * 1.5;
        for (Object[] r : res) {
            Tensor g = ((List<Tensor>) r[2]).get(extraIndex);
            assertEquals(expected, g.get(0).item_double(), 1e-6, "gradient of the parameter one rank did not use");
        }
        start.close();
    }
}
