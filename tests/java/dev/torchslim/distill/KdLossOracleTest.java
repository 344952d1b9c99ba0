package dev.torchslim.distill;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.torchslim.core.NativeLibrary;
import dev.torchslim.core.TensorScope;
import dev.torchslim.oracle.Npy;
import dev.torchslim.oracle.PythonOracle;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The native KD loss and its gradient equal Python's kl_div/cross_entropy formula on the same logits. */
@Tag("oracle")
class KdLossOracleTest {
    private static final Pattern LOSS = Pattern.compile("\"loss\": ([-0-9.eE+]+)");

    @TempDir
    Path tmp;

    @BeforeAll
    static void load() {
        NativeLibrary.ensureLoaded();
    }

    @ParameterizedTest
    @CsvSource({"4, 0.9", "1, 0.5", "2.5, 0", "8, 1", "0.5, 0.3"})
    void lossAndGradientEqualPythons(double temperature, double alpha) throws Exception {
        try (TensorScope scope = new TensorScope()) {
            torch.manual_seed(21);
            Tensor s = torch.randn(32, 10).mul(new Scalar(3.0));
            Tensor t = torch.randn(32, 10).mul(new Scalar(3.0));
            Tensor y = torch.randint(0, 10, new long[] {32});
            Path sf = tmp.resolve("s.npy");
            Path tf = tmp.resolve("t.npy");
            Path yf = tmp.resolve("y.npy");
            Path gf = tmp.resolve("g.npy");
            Npy.write(sf, s);
            Npy.write(tf, t);
            Npy.write(yf, y.to(torch.ScalarType.Float));
            String out = PythonOracle.run("kd_loss.py", sf.toString(), tf.toString(), yf.toString(),
                    Double.toString(temperature), Double.toString(alpha), gf.toString());
            Matcher m = LOSS.matcher(out);
            assertTrue(m.find(), out);
            double want = Double.parseDouble(m.group(1));

            Tensor student = s.clone().requires_grad_(true);
            Tensor loss = KdLoss.compute(student, t, y, new KdConfig(temperature, alpha));
            assertEquals(want, loss.item_double(), 1e-5 * Math.max(1, Math.abs(want)), "loss at T " + temperature + ", alpha " + alpha);
            loss.backward();
            Tensor grad = Npy.read(gf);
            double gerr = student.grad().sub(grad).abs().max().item_double();
            assertTrue(gerr < 1e-6 + 1e-5 * grad.abs().max().item_double(), "gradient differs from Python's by " + gerr);
        }
    }
}
