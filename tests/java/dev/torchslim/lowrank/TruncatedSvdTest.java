package dev.torchslim.lowrank;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.torchslim.core.NativeLibrary;
import dev.torchslim.core.TensorScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Exact and randomized truncated SVD: reconstruction, orthonormal factors, the error bound. */
class TruncatedSvdTest {
    @BeforeAll
    static void load() {
        NativeLibrary.ensureLoaded();
        torch.manual_seed(3);
    }

    static Tensor reconstruct(TruncatedSvd f) {
        return f.u().mul(f.s().unsqueeze(0)).mm(f.vh());
    }

    static double frobenius(Tensor t) {
        return t.pow(new org.bytedeco.pytorch.Scalar(2.0)).sum().item_double() == 0 ? 0
                : Math.sqrt(t.pow(new org.bytedeco.pytorch.Scalar(2.0)).sum().item_double());
    }

    @Test
    void exactTruncationErrorIsTheTailOfTheSpectrum() {
        try (TensorScope scope = new TensorScope()) {
            Tensor a = torch.randn(60, 40);
            TruncatedSvd full = TruncatedSvd.compute(a, 40, SvdMethod.EXACT, 0, 0);
            assertTrue(frobenius(reconstruct(full).sub(a)) < 1e-4 * frobenius(a), "full rank must reconstruct a");
            TruncatedSvd r8 = TruncatedSvd.compute(a, 8, SvdMethod.EXACT, 0, 0);
            assertEquals(8, r8.rank());
            double[] s = LowRank.doubles(full.s());
            double tail = 0;
            for (int i = 8; i < s.length; i++) {
                tail += s[i] * s[i];
            }
            double err = frobenius(reconstruct(r8).sub(a));
            assertEquals(Math.sqrt(tail), err, 1e-4 * Math.sqrt(tail));
            Tensor gram = r8.u().t().mm(r8.u());
            assertTrue(frobenius(gram.sub(torch.eye(8))) < 1e-4, "u's columns must be orthonormal");
        }
    }

    /** Frobenius error of the randomized rank-r SVD over the optimal (exact) one's. */
    static double ratio(Tensor a, int rank, int powerIterations) {
        double optimal = frobenius(reconstruct(TruncatedSvd.compute(a, rank, SvdMethod.EXACT, 0, 0)).sub(a));
        TruncatedSvd r = TruncatedSvd.compute(a, rank, SvdMethod.RANDOMIZED, powerIterations, 7);
        double err = frobenius(reconstruct(r).sub(a));
        Tensor same = reconstruct(TruncatedSvd.compute(a, rank, SvdMethod.RANDOMIZED, powerIterations, 7));
        assertEquals(0.0, frobenius(same.sub(reconstruct(r))), 1e-6 * frobenius(a), "one seed, one result");
        return err / optimal;
    }

    @Test
    void randomizedIsWithinOnePercentOfOptimal() {
        try (TensorScope scope = new TensorScope()) {
            // a decaying spectrum with noise, as trained layers have: 2 power iterations suffice
            Tensor lowRankPlusNoise = torch.randn(600, 60).mm(torch.randn(60, 500))
                    .add(torch.randn(600, 500).mul(new org.bytedeco.pytorch.Scalar(0.5)));
            double decaying = ratio(lowRankPlusNoise, 50, 2);
            assertTrue(decaying >= 1 - 1e-4, "no rank-50 approximation beats the exact one: " + decaying);
            assertTrue(decaying <= 1.01, "randomized error is " + decaying + "x optimal");
            // a flat (Gaussian) spectrum is the hard case: 2 iterations give a few percent, 4 give < 1%
            Tensor gaussian = torch.randn(700, 600);
            double two = ratio(gaussian, 50, 2);
            double four = ratio(gaussian, 50, 4);
            assertTrue(two <= 1.03, "Gaussian, 2 iterations: " + two + "x optimal");
            assertTrue(four <= 1.01 && four < two, "Gaussian, 4 iterations: " + four + "x optimal (2: " + two + ")");
        }
    }

    @Test
    void badInputsThrowTypedExceptions() {
        try (TensorScope scope = new TensorScope()) {
            Tensor a = torch.randn(6, 4);
            assertThrows(IllegalArgumentException.class, () -> TruncatedSvd.compute(a, 0));
            assertThrows(IllegalArgumentException.class, () -> TruncatedSvd.compute(a, 5));
            assertThrows(IllegalArgumentException.class, () -> TruncatedSvd.compute(torch.randn(2, 3, 4), 1));
            assertThrows(IllegalArgumentException.class, () -> TruncatedSvd.compute(a, 2, SvdMethod.RANDOMIZED, -1, 0));
        }
    }
}
