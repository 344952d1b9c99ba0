package dev.torchslim.prune;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What {@link TorchScriptPruner} did to each parameter of a file: the weights it pruned (name =
 * module path + parameter name, shape, parameters, nonzero after pruning) and every parameter it
 * left out, with the reason. Printed as a table ({@link #table()}); the CLI writes it as JSON.
 *
 * @param pruned the pruned weights, in the file's order
 * @param leftOut the parameters left as they were
 * @param nativeMillis the native load, prune, save, report and free times in ms (empty when not measured)
 */
public record TorchScriptPruneReport(List<Pruned> pruned, List<LeftOut> leftOut, double[] nativeMillis) {
    /**
     * A pruned weight.
     *
     * @param name module path + parameter name
     * @param shape the weight's shape
     * @param params the weight's number of values
     * @param nonzero its values that are not zero after pruning
     */
    public record Pruned(String name, List<Long> shape, long params, long nonzero) {
        /**
         * Copies the shape.
         *
         * @param name module path + parameter name
         * @param shape the weight's shape
         * @param params the weight's number of values
         * @param nonzero its values that are not zero after pruning
         */
        public Pruned {
            shape = List.copyOf(shape);
        }

        /**
         * The fraction of the weight's values that are zero.
         *
         * @return {@code (params - nonzero) / params}, 0 for an empty weight
         */
        public double sparsity() {
            return params == 0 ? 0 : (double) (params - nonzero) / params;
        }
    }

    /**
     * Copies the lists and the times.
     *
     * @param pruned the pruned weights
     * @param leftOut the parameters left as they were
     * @param nativeMillis the native load, prune, save, report and free times in ms (empty when not measured)
     */
    public TorchScriptPruneReport {
        pruned = List.copyOf(pruned);
        leftOut = List.copyOf(leftOut);
        nativeMillis = nativeMillis.clone();
    }

    /** Parses the native rows ("pruned\tNAME\tSHAPE\tPARAMS\tNONZERO" / "left\tNAME\tSHAPE\tPARAMS\tREASON"). */
    static TorchScriptPruneReport parse(String rows) {
        List<Pruned> pruned = new ArrayList<>();
        List<LeftOut> left = new ArrayList<>();
        double[] millis = new double[0];
        for (String line : rows.split("\n")) {
            if (line.isEmpty()) {
                continue;
            }
            String[] f = line.split("\t", 5);
            if (f.length != 5) {
                throw new IllegalStateException("unexpected report row from the native pruner: " + line);
            }
            if (f[0].equals("time")) {
                String[] t = line.split("\t");
                millis = new double[t.length - 2];
                for (int i = 0; i < millis.length; i++) {
                    millis[i] = Double.parseDouble(t[i + 1]);
                }
            } else if (f[0].equals("pruned")) {
                pruned.add(new Pruned(f[1], Shapes.parse(f[2]), Long.parseLong(f[3]), Long.parseLong(f[4])));
            } else {
                left.add(new LeftOut(f[1], Shapes.parse(f[2]), Long.parseLong(f[3]), f[4]));
            }
        }
        return new TorchScriptPruneReport(pruned, left, millis);
    }

    /**
     * The number of values of all pruned weights.
     *
     * @return the sum of their params
     */
    public long totalParams() {
        return pruned.stream().mapToLong(Pruned::params).sum();
    }

    /**
     * The values of all pruned weights that are not zero.
     *
     * @return the sum of their nonzero counts
     */
    public long totalNonzero() {
        return pruned.stream().mapToLong(Pruned::nonzero).sum();
    }

    /**
     * The printed table: pruned weights with their sparsity and a total, then what was left out and why.
     *
     * @return the table, one row per line
     */
    public String table() {
        int width = 24;
        for (Pruned p : pruned) {
            width = Math.max(width, p.name().length() + 2);
        }
        for (LeftOut l : leftOut) {
            width = Math.max(width, l.name().length() + 2);
        }
        StringBuilder s = new StringBuilder();
        s.append(String.format(Locale.ROOT, "%-" + width + "s%-20s%12s%12s%10s%n", "weight", "shape", "params",
                "nonzero", "sparsity"));
        for (Pruned p : pruned) {
            s.append(String.format(Locale.ROOT, "%-" + width + "s%-20s%12d%12d%9.2f%%%n", p.name(), Shapes.text(p.shape()),
                    p.params(), p.nonzero(), 100 * p.sparsity()));
        }
        long total = totalParams();
        long nz = totalNonzero();
        s.append(String.format(Locale.ROOT, "%-" + (width + 20) + "s%12d%12d%9.2f%%%n", "total (pruned weights)",
                total, nz, 100 * sparsity()));
        if (!leftOut.isEmpty()) {
            long leftParams = leftOut.stream().mapToLong(LeftOut::params).sum();
            s.append(String.format(Locale.ROOT, "left out: %d parameters (%d values)%n", leftOut.size(), leftParams));
            for (LeftOut l : leftOut) {
                s.append(String.format(Locale.ROOT, "%-" + width + "s%-20s%12d  %s%n", l.name(), Shapes.text(l.shape()),
                        l.params(), l.reason()));
            }
        }
        return s.toString();
    }

    /**
     * The fraction of all pruned weights' values that are zero.
     *
     * @return {@code (totalParams - totalNonzero) / totalParams}, 0 when nothing was pruned
     */
    public double sparsity() {
        long total = totalParams();
        return total == 0 ? 0.0 : (double) (total - totalNonzero()) / total;
    }
}
