package dev.torchslim.cli;

import dev.torchslim.core.NativeLibrary;
import dev.torchslim.prune.PruneArgs;
import dev.torchslim.prune.TorchScriptPruner;

/** ./torchslim prune: prunes a TorchScript file saved by Python's torch.jit.save. */
public final class PruneCommand implements Command {
    @Override
    public String name() {
        return "prune";
    }

    @Override
    public String usage() {
        return String.join("\n",
                PruneArgs.USAGE,
                "  Prunes the Conv/Linear weights of a TorchScript file (torch.jit.save, torch 2.13) and writes a",
                "  TorchScript file Python loads; nothing else changes. Prints the per-layer sparsity table.",
                "  l1: per layer; l1-global: one threshold across layers; random: seeded; ln: --n 1|2|inf along",
                "  --dim (0 filters, 1 channels); nm: --nm N:M along the input dimension (layers whose input",
                "  size is not a multiple of M are skipped and marked). Masks equal torch.nn.utils.prune's.");
    }

    @Override
    public int run(String[] args) {
        PruneArgs a;
        try {
            a = PruneArgs.parse(args);
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        NativeLibrary.ensureLoaded();
        String table = TorchScriptPruner.prune(a.in(), a.out(), a.options());
        System.out.print(table);
        System.out.println("wrote " + a.out());
        return 0;
    }
}
