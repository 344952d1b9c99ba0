package dev.torchslim.cli;

import dev.torchslim.core.ModelFiles;
import dev.torchslim.core.NativeLibrary;
import dev.torchslim.core.OutputFiles;
import dev.torchslim.prune.NMPruner;
import dev.torchslim.prune.PruneArgs;
import dev.torchslim.prune.TorchScriptPruner;
import java.nio.file.Path;
import java.util.Set;

/** ./torchslim prune: prunes a TorchScript file saved by Python's torch.jit.save. */
public final class PruneCommand implements Command {
    private static final Set<String> VALUED = Set.of("in", "out", "method", "amount", "n", "dim", "nm", "seed");

    @Override
    public String name() {
        return "prune";
    }

    @Override
    public String usage() {
        return String.join("\n",
                PruneArgs.USAGE + " [--force]",
                "  Prunes the Conv/Linear weights of a TorchScript file (torch.jit.save, torch 2.13) and writes a",
                "  TorchScript file Python loads; nothing else changes. Prints the per-layer sparsity table.",
                "  l1: per layer; l1-global: one threshold across layers; random: seeded; ln: --n 1|2|inf along",
                "  --dim (0 filters, 1 channels); nm: --nm N:M along the input dimension (layers whose input",
                "  size is not a multiple of M are skipped and marked). Masks equal torch.nn.utils.prune's.",
                ChannelPruneRun.USAGE,
                "  --force   allow --out to be the --in file (it is replaced only once the output is complete)");
    }

    @Override
    public int run(String[] argv) {
        if (String.join(" ", argv).matches("(.* )?--method(=| )channel( .*)?")) {
            return ChannelPruneRun.run(Args.parse(argv, ChannelPruneRun.VALUED, Set.of("force")));
        }
        Args args = Args.parse(argv, VALUED, Set.of("force"));
        PruneArgs a = parse(args);
        OutputFiles.check(a.in(), a.out(), args.flag("force"));
        ModelFiles.requireTorchScript(a.in());
        NativeLibrary.ensureLoaded();
        String table = TorchScriptPruner.prune(a.in(), a.out(), a.options());
        System.out.print(table);
        System.out.println("wrote " + a.out());
        return 0;
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
        try {
            return new PruneArgs(in, out, new TorchScriptPruner.Options(method, amount, n, dim, nm.n(), nm.m(), seed));
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
    }
}
