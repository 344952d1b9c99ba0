package dev.torchslim.prune;

import java.util.Arrays;
import org.bytedeco.pytorch.Tensor;

/** Tensor shapes as Java arrays and text. */
final class Shapes {
    private Shapes() {}

    static long[] of(Tensor t) {
        long[] s = new long[(int) t.dim()];
        for (int i = 0; i < s.length; i++) {
            s[i] = t.size(i);
        }
        return s;
    }

    static String text(Tensor t) {
        return Arrays.toString(of(t));
    }
}
