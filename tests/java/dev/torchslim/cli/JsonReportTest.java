package dev.torchslim.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.torchslim.oracle.GraphModels;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * --json on quantize, finetune, distill and export (prune, lowrank, compress and demo have their own
 * tests): one JSON object with the command's results and the environment block, written only when
 * the command succeeds; a --json naming another of the command's files is refused before any work.
 */
@Tag("oracle")
class JsonReportTest {
    @TempDir
    Path dir;

    private JsonNode report(Path file, String command) throws Exception {
        JsonNode n = new ObjectMapper().readTree(file.toFile());
        assertEquals(command, n.path("command").asText(), n.toString());
        assertTrue(n.path("environment").path("libtorch_version").asText().startsWith("2."), n.toString());
        return n;
    }

    @Test
    void quantizeFinetuneDistillAndExportWriteTheirResults() throws Exception {
        String model = GraphModels.file("resnet", ".pt").toString();
        String data = GraphModels.file("resnet", ".data.pt").toString();

        Path q = dir.resolve("q.pt");
        Path qj = dir.resolve("q.json");
        CliRun.run("quantize", 0, "--in", model, "--out", q.toString(), "--mode", "dynamic", "--json", qj.toString());
        JsonNode qn = report(qj, "quantize");
        assertEquals("dynamic", qn.path("mode").asText());
        assertEquals(Files.size(q), qn.path("file_bytes_after").asLong());
        assertTrue(qn.path("quantized_ops").asInt() > 0, qn.toString());

        Path f = dir.resolve("f.pt");
        Path fj = dir.resolve("f.json");
        CliRun.run("finetune", 0, "--in", model, "--out", f.toString(), "--data", data, "--epochs", "1", "--batch", "16",
                "--seed", "3", "--json", fj.toString());
        JsonNode fn = report(fj, "finetune");
        assertEquals(1, fn.path("mean_loss_per_epoch").size(), fn.toString());
        assertEquals(3, fn.path("environment").path("seed").asLong());

        Path d = dir.resolve("d.pt");
        Path dj = dir.resolve("d.json");
        CliRun.run("distill", 0, "--teacher", model, "--student", model, "--out", d.toString(), "--data", data,
                "--epochs", "1", "--batch", "16", "--json", dj.toString());
        JsonNode dn = report(dj, "distill");
        assertEquals(1, dn.path("kd_loss_per_epoch").size(), dn.toString());
        assertEquals(4.0, dn.path("temperature").asDouble());

        Path e = dir.resolve("m.onnx");
        Path ej = dir.resolve("e.json");
        CliRun.run("export", 0, "--in", model, "--out", e.toString(), "--input", "1,3,16,16", "--json", ej.toString());
        JsonNode en = report(ej, "export");
        assertEquals(Files.size(e), en.path("bytes").asLong());
        assertTrue(en.path("onnx_ops").has("Conv"), en.toString());
    }

    @Test
    void aJsonThatNamesTheOutputIsRefusedBeforeAnyWork() {
        String model = GraphModels.file("resnet", ".pt").toString();
        Path out = dir.resolve("same.pt");
        CliRun.run("quantize", 2, "--in", model, "--out", out.toString(), "--mode", "dynamic", "--json", out.toString());
        assertFalse(Files.exists(out));
        Path onnx = dir.resolve("same.onnx");
        CliRun.run("export", 2, "--in", model, "--out", onnx.toString(), "--json", onnx.toString());
        assertFalse(Files.exists(onnx));
    }
}
