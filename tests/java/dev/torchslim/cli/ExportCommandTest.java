package dev.torchslim.cli;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.torchslim.oracle.GraphModels;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** ./torchslim export on the oracle's residual CNN: the file and its summary, the refusals. */
@Tag("oracle")
class ExportCommandTest {
    @TempDir
    Path dir;

    private String run(int expected, String... args) {
        return CliRun.run("export", expected, args);
    }

    @Test
    void writesAnOnnxFileAndSaysWhatIsInIt() throws Exception {
        Path out = dir.resolve("resnet.onnx");
        String text = run(0, "--in", GraphModels.file("resnet", ".pt").toString(), "--out", out.toString(),
                "--input", "1,3,16,16", "--dynamic-batch", "--opset", "18");
        assertTrue(text.contains("opset 18") && text.contains("Conv="), text);
        assertTrue(Files.size(out) > 0);
    }

    @Test
    void badInputsExitNonZeroWithoutOutput() {
        String in = GraphModels.file("resnet", ".pt").toString();
        Path out = dir.resolve("never.onnx");
        run(2, "--in", in, "--out", out.toString(), "--input", "1,3,x,16");
        run(2, "--in", in, "--out", out.toString(), "--input", "1,3,16,16", "--opset", "9");
        run(2, "--in", in, "--out", out.toString(), "--input", "1,3,16,16", "--bogus", "1");
        String wrong = CliRun.runErr("export", 1, "--in", in, "--out", out.toString(), "--input", "1,5,16,16");  // 3 input channels
        assertTrue(wrong.contains("does not run on an input of shape [1, 5, 16, 16]"), wrong);
        // a scripted LSTM checks its input in TorchScript; its own message arrives, not a later op's
        String lstm = CliRun.runErr("export", 1, "--in", GraphModels.file("lstm", ".pt").toString(), "--out", out.toString(),
                "--input", "1,7,3");
        assertTrue(lstm.contains("does not run on an input of shape [1, 7, 3]"), lstm);
        run(1, "--in", GraphModels.file("resnet", ".x.npy").toString(), "--out", out.toString());
        assertTrue(Files.notExists(out));
    }
}
