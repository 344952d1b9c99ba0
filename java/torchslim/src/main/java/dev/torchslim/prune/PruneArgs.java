package dev.torchslim.prune;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * Arguments of {@code torchslim prune --in model.pt --out pruned.pt --method l1|l1-global|random|ln|nm
 * --amount 0.5 [--n 2] [--dim 0] [--nm 2:4] [--seed 0]}.
 *
 * @param in the TorchScript file to prune
 * @param out the output file
 * @param options the method and its options
 */
public record PruneArgs(Path in, Path out, TorchScriptPruner.Options options) {
    /** The usage text of the prune command. */
    public static final String USAGE = "prune --in model.pt --out pruned.pt --method l1|l1-global|random|ln|nm"
            + " --amount 0.5 [--n 1|2|inf] [--dim 0] [--nm 2:4] [--seed 0]";

    private static final Set<String> FLAGS = Set.of("--in", "--out", "--method", "--amount", "--n", "--dim", "--nm",
            "--seed");

    /**
     * Parses the arguments after "prune"; IllegalArgumentException says what is wrong.
     *
     * @param args the arguments after "prune"
     * @return the parsed arguments
     */
    public static PruneArgs parse(String[] args) {
        Map<String, String> v = new HashMap<>();
        for (int i = 0; i < args.length; i++) {
            String flag = args[i];
            if (!FLAGS.contains(flag)) {
                throw new IllegalArgumentException("unknown option '" + flag + "'; usage: " + USAGE);
            }
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException(flag + " needs a value; usage: " + USAGE);
            }
            v.put(flag, args[++i]);
        }
        for (String required : new String[] {"--in", "--out", "--method"}) {
            if (!v.containsKey(required)) {
                throw new IllegalArgumentException("missing " + required + "; usage: " + USAGE);
            }
        }
        String method = v.get("--method");
        if (!method.equals("nm") && !v.containsKey("--amount")) {
            throw new IllegalArgumentException("missing --amount (a fraction in [0, 1]) for method " + method);
        }
        double amount = number(v.getOrDefault("--amount", "0"), "--amount");
        String nText = v.getOrDefault("--n", "2");
        double n = nText.equalsIgnoreCase("inf") ? Double.POSITIVE_INFINITY : number(nText, "--n");
        int dim = (int) number(v.getOrDefault("--dim", "0"), "--dim");
        NMPruner nm = NMPruner.parse(v.getOrDefault("--nm", "2:4"));
        long seed = (long) number(v.getOrDefault("--seed", "0"), "--seed");
        return new PruneArgs(Path.of(v.get("--in")), Path.of(v.get("--out")),
                new TorchScriptPruner.Options(method, amount, n, dim, nm.n(), nm.m(), seed));
    }

    private static double number(String text, String flag) {
        try {
            return Double.parseDouble(text);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(flag + " must be a number, got '" + text + "'", e);
        }
    }
}
