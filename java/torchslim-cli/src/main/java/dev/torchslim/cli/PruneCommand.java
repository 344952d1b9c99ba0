package dev.torchslim.cli;

import dev.torchslim.core.ModelFiles;
import dev.torchslim.core.NativeLibrary;
import dev.torchslim.core.OutputFiles;
import dev.torchslim.prune.NMPruner;
import dev.torchslim.prune.PruneArgs;
import dev.torchslim.prune.TorchScriptPruneReport;
import dev.torchslim.prune.TorchScriptPruner;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** ./torchslim prune: prunes a TorchScript file saved by Python's torch.jit.save. */
public final class PruneCommand implements Command {
    private static final Set<String> VALUED = Set.of("in", "out", "method", "amount", "n", "dim", "nm", "seed",
            "include", "json");

    @Override
    public String name() {
        return "prune";
    }

    @Override
    public String usage() {
        return String.join("\n",
                PruneArgs.USAGE + " [--include embedding] [--json FILE] [--force]",
                "  Prunes the weights of a TorchScript file (torch.jit.save, torch 2.13): Conv1d/2d/3d, ConvTranspose,",
                "  Linear and its subclasses (attention's out_proj), RNN/LSTM/GRU weight_ih/hh, MultiheadAttention",
                "  in_proj_weight (q/k/v_proj_weight); writes a TorchScript file Python loads; nothing else changes.",
                "  Prints each pruned weight's sparsity and every parameter left out, with the reason.",
                "  l1: per layer; l1-global: one threshold across layers; random: seeded; ln: --n 1|2|inf along",
                "  --dim (0 filters, 1 channels); nm: --nm N:M along the input dimension (layers whose input",
                "  size is not a multiple of M are skipped and marked). Masks equal torch.nn.utils.prune's.",
                "  --include embedding   also prune Embedding/EmbeddingBag weights (left out by default)",
                "  --json FILE           also write the table as JSON ({\"pruned\":[...],\"left_out\":[...]})",
                ChannelPruneRun.USAGE,
                "  --force   allow --out to be the --in file (it is replaced only once the output is complete)");
    }

    @Override
    public int run(String[] argv) throws IOException {
        if (String.join(" ", argv).matches("(.* )?--method(=| )channel( .*)?")) {
            return ChannelPruneRun.run(Args.parse(argv, ChannelPruneRun.VALUED, Set.of("force")));
        }
        long entered = System.nanoTime();
        Args args = Args.parse(argv, VALUED, Set.of("force"));
        PruneArgs a = parse(args);
        OutputFiles.check(a.in(), a.out(), args.flag("force"));
        JsonReport json = JsonReport.of(args, name(), a.in(), a.out());
        ModelFiles.requireTorchScript(a.in());
        long beforeLoad = System.nanoTime();
        NativeLibrary.ensureLoadedWithoutBindings(); // the prune call takes only strings and numbers
        TorchScriptPruner.loadNatives();
        long loaded = System.nanoTime();
        TorchScriptPruneReport report = TorchScriptPruner.pruneWithReport(a.in(), a.out(), a.options());
        long done = System.nanoTime();
        if (Boolean.getBoolean("torchslim.timing")) {
            printTiming(entered, beforeLoad, loaded, done, report.nativeMillis());
        }
        System.out.print(report.table());
        System.out.println("wrote " + a.out());
        json.put("in", a.in().toString()).put("out", a.out().toString())
                .put("method", a.options().method()).put("amount", a.options().amount());
        List<Map<String, Object>> rows = new ArrayList<>();
        for (TorchScriptPruneReport.Pruned p : report.pruned()) {
            rows.add(JsonReport.object("name", p.name(), "shape", p.shape(), "params", p.params(), "nonzero",
                    p.nonzero(), "sparsity", p.sparsity()));
        }
        json.put("pruned", rows).put("left_out", report.leftOut()).put("total", JsonReport.object("params",
                report.totalParams(), "nonzero", report.totalNonzero(), "sparsity", report.sparsity()));
        json.write(System.out, a.options().seed());
        return 0;
    }

    /** -Dtorchslim.timing=true: where the run's time went, on stderr (for docs/benchmarks.md). */
    private static void printTiming(long entered, long beforeLoad, long loaded, long done, double[] nativeMs) {
        long startMs = ProcessHandle.current().info().startInstant().map(java.time.Instant::toEpochMilli).orElse(0L);
        double sinceStart = System.currentTimeMillis() - startMs - (System.nanoTime() - entered) / 1e6;
        System.err.printf(java.util.Locale.ROOT,
                "timing ms: process start -> prune command %.0f, checks %.0f, native libraries %.0f, native call %.0f"
                        + " (torch::jit::load %.0f, prune %.0f, save %.0f, report %.0f, free %.0f)%n",
                sinceStart, (beforeLoad - entered) / 1e6, (loaded - beforeLoad) / 1e6, (done - loaded) / 1e6,
                at(nativeMs, 0), at(nativeMs, 1), at(nativeMs, 2), at(nativeMs, 3), at(nativeMs, 4));
    }

    private static double at(double[] a, int i) {
        return i < a.length ? a[i] : -1;
    }

    /** Strict parsing: every number whole or in range, every option once (UsageException otherwise). */
    static PruneArgs parse(Args args) {
        Path in = Path.of(args.require("in"));
        Path out = Path.of(args.require("out"));
        String method = args.require("method");
        if (!TorchScriptPruner.METHODS.contains(method)) {
            throw new UsageException("--method must be one of l1, l1-global, random, ln, nm; got '" + method + "'");
        }
        if (!method.equals("nm")) {
            args.require("amount");
        }
        double amount = args.doubleValue("amount", 0, 0, 1);
        String nText = args.get("n", "2");
        double n = nText.equalsIgnoreCase("inf") ? Double.POSITIVE_INFINITY : args.doubleValue("n", 2, 1e-6, 1e6);
        int dim = args.intValue("dim", 0, 0, 4);
        NMPruner nm;
        try {
            nm = NMPruner.parse(args.get("nm", "2:4"));
        } catch (IllegalArgumentException e) {
            throw new UsageException("--nm: " + e.getMessage());
        }
        long seed = args.longValue("seed", 0, 0, Long.MAX_VALUE);
        String include = args.get("include", null);
        if (include != null && !include.equals("embedding")) {
            throw new UsageException("--include takes 'embedding' (prune Embedding/EmbeddingBag weights too); got '"
                    + include + "'");
        }
        try {
            return new PruneArgs(in, out, new TorchScriptPruner.Options(method, amount, n, dim, nm.n(), nm.m(), seed,
                    include != null));
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
    }
}
