package dev.torchslim.prune;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.torchslim.cli.Main;
import dev.torchslim.oracle.PythonOracle;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * `./torchslim prune` mask methods on real architectures made by Python (residual CNN, LSTM,
 * transformer layer, a file of every other covered module type, a small BERT): the oracle picks
 * the weights a PyTorch user names on its own, prunes them with torch.nn.utils.prune and checks
 * the output's tensors, the JSON report (pruned and left out) and that the output runs.
 */
@Tag("oracle")
class TorchScriptPrunerCoverageTest {
    @TempDir
    static Path dir;

    @BeforeAll
    static void makeModels() {
        String made = PythonOracle.run("prune_coverage.py", "make", dir.toString(), "resnet", "lstm", "transformer",
                "misc", "bert");
        assertEquals(5, made.lines().filter(l -> l.startsWith("made ")).count(), made);
    }

    /** Runs the CLI with --json, then the oracle; returns the printed table. */
    static String pruneAndCheck(String model, String method, String amount, String n, String dim, String nm,
            boolean embedding) {
        Path out = dir.resolve(model + "." + method + ".out.pt");
        Path json = dir.resolve(model + "." + method + ".json");
        List<String> argv = new ArrayList<>(List.of("prune", "--in", dir.resolve(model + ".pt").toString(), "--out",
                out.toString(), "--method", method, "--amount", amount, "--n", n, "--dim", dim, "--nm", nm, "--json",
                json.toString(), "--force"));
        if (embedding) {
            argv.addAll(List.of("--include", "embedding"));
        }
        PrintStream old = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        int rc;
        try {
            System.setOut(new PrintStream(captured, true));
            rc = Main.run(argv.toArray(String[]::new));
        } finally {
            System.setOut(old);
        }
        String table = captured.toString();
        assertEquals(0, rc, table);
        String[] nmParts = nm.split(":");
        String verdict = PythonOracle.run("prune_coverage.py", "check", dir.toString(), model, out.toString(),
                json.toString(), method, amount, n.equals("inf") ? "inf" : n, dim, nmParts[0], nmParts[1],
                embedding ? "1" : "0").trim();
        assertTrue(verdict.startsWith("ok "), verdict);
        return table;
    }

    @ParameterizedTest
    @CsvSource({
        "resnet, l1, 0.5, 2, 0, 2:4",
        "resnet, l1-global, 0.6, 2, 0, 2:4",
        "resnet, ln, 0.5, 2, 0, 2:4",
        "resnet, nm, 0, 2, 0, 2:4",
        "resnet, random, 0.3, 2, 0, 2:4",
        "lstm, l1, 0.5, 2, 0, 2:4",
        "lstm, l1-global, 0.7, 2, 0, 2:4",
        "lstm, ln, 0.25, 1, 1, 2:4",
        "lstm, nm, 0, 2, 0, 2:4",
        "transformer, l1-global, 0.5, 2, 0, 2:4",
        "transformer, ln, 0.5, inf, 1, 2:4",
        "transformer, nm, 0, 2, 0, 1:4",
        "misc, l1, 0.4, 2, 0, 2:4",
        "misc, l1-global, 0.5, 2, 0, 2:4",
        "misc, ln, 0.5, 2, 2, 2:4",
        "misc, nm, 0, 2, 0, 2:4",
    })
    void masksEqualTorchPruneAndEveryOtherTensorIsKept(String model, String method, String amount, String n,
            String dim, String nm) {
        String table = pruneAndCheck(model, method, amount, n, dim, nm, model.equals("misc"));
        assertTrue(table.contains("left out:") && table.contains("1-D (bias/norm)"), table);
    }

    @Test
    void lstmAndAttentionWeightsAreCoveredByName() {
        String lstm = pruneAndCheck("lstm", "l1", "0.5", "2", "0", "2:4", false);
        for (String w : List.of("lstm.weight_ih_l0", "lstm.weight_hh_l0", "lstm.weight_ih_l1", "lstm.weight_hh_l1",
                "fc.weight")) {
            assertTrue(lstm.lines().anyMatch(l -> l.startsWith(w + " ") && l.contains("50.00%")), w + "\n" + lstm);
        }
        String tr = pruneAndCheck("transformer", "l1", "0.5", "2", "0", "2:4", false);
        for (String w : List.of("encoder.self_attn.in_proj_weight", "encoder.self_attn.out_proj.weight",
                "encoder.linear1.weight", "encoder.linear2.weight")) {
            assertTrue(tr.lines().anyMatch(l -> l.startsWith(w + " ") && l.contains("50.00%")), w + "\n" + tr);
        }
    }

    @Test
    void leftOutWeightsSayWhy() {
        String misc = pruneAndCheck("misc", "nm", "0", "2", "0", "2:4", false);
        assertTrue(misc.contains("emb.weight") && misc.contains("embedding: pass --include embedding"), misc);
        assertTrue(misc.contains("scale") && misc.contains("unknown module type Misc"), misc);
        assertTrue(misc.contains("c3.weight") && misc.contains("nm: inputs not a multiple of M=4"), misc);
        assertTrue(misc.lines().anyMatch(l -> l.startsWith("mine.weight ") && !l.contains("unknown")), misc);
    }

    @Test
    void bertEmbeddingsOnlyWhenAsked() {
        String without = pruneAndCheck("bert", "l1-global", "0.5", "2", "0", "2:4", false);
        assertTrue(without.contains("bert.embeddings.word_embeddings.weight")
                && without.contains("embedding: pass --include embedding"), without);
        String with = pruneAndCheck("bert", "l1-global", "0.5", "2", "0", "2:4", true);
        assertTrue(with.lines().anyMatch(l -> l.startsWith("bert.embeddings.word_embeddings.weight ")
                && l.contains("%")), with);
        assertTrue(!with.contains("embedding: pass --include embedding"), with);
    }
}
