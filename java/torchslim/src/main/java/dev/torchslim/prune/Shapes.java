package dev.torchslim.prune;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.bytedeco.pytorch.Tensor;

/** Tensor shapes as Java arrays, lists and text. */
final class Shapes {
    private Shapes() {}

    static long[] of(Tensor t) {
        long[] s = new long[(int) t.dim()];
        for (int i = 0; i < s.length; i++) {
            s[i] = t.size(i);
        }
        return s;
    }

    static List<Long> list(Tensor t) {
        return Arrays.stream(of(t)).boxed().toList();
    }

    static String text(Tensor t) {
        return Arrays.toString(of(t));
    }

    /** "[64, 3, 3, 3]" (LibTorch's sizes()) or "64x3x3x3" (the structural pruner's rows) as a list. */
    static List<Long> parse(String text) {
        String s = text.trim();
        if (s.startsWith("[") && s.endsWith("]")) {
            s = s.substring(1, s.length() - 1);
        }
        List<Long> dims = new ArrayList<>();
        if (s.isBlank()) {
            return List.of();
        }
        for (String d : s.split("[x,]")) {
            try {
                dims.add(Long.parseLong(d.trim()));
            } catch (NumberFormatException e) {
                throw new IllegalStateException("unexpected shape from the native pruner: '" + text + "'", e);
            }
        }
        return List.copyOf(dims);
    }

    /** A shape as the tables print it: "64x3x3x3" ("scalar" for no dimensions). */
    static String text(List<Long> shape) {
        if (shape.isEmpty()) {
            return "scalar";
        }
        StringBuilder s = new StringBuilder();
        for (long d : shape) {
            s.append(s.length() == 0 ? "" : "x").append(d);
        }
        return s.toString();
    }
}
