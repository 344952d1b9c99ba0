package dev.torchslim.oracle;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs the reference scripts of tests/oracle with Python torch 2.13 (target/pyenv, made by
 * tests/oracle/setup-venv.sh, which .ci/run calls). Tests tagged "oracle" use it. When the venv
 * is missing, a test fails in CI (CI=true) and is skipped elsewhere, saying how to make it.
 */
public final class PythonOracle {
    private PythonOracle() {}

    public static Path python() {
        Path py = Paths.get(System.getProperty("torchslim.python", "target/pyenv/bin/python"));
        boolean present = Files.isExecutable(py);
        String how = "Python oracle missing at " + py + ": run tests/oracle/setup-venv.sh";
        if (System.getenv("CI") != null && !present) {
            throw new IllegalStateException(how);
        }
        assumeTrue(present, how);
        return py;
    }

    public static Path script(String name) {
        Path p = Paths.get("tests", "oracle", name);
        if (!Files.exists(p)) {
            throw new IllegalStateException("oracle script not found: " + p.toAbsolutePath());
        }
        return p;
    }

    /** Runs tests/oracle/{script} with args; returns stdout, fails with stderr on a non-zero exit. */
    public static String run(String script, String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(python().toString());
        cmd.add(script(script).toString());
        cmd.addAll(List.of(args));
        try {
            Path err = Files.createTempFile("oracle", ".err");
            Process p = new ProcessBuilder(cmd).redirectError(err.toFile()).start();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(600, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException("oracle timed out: " + cmd);
            }
            String stderr = Files.readString(err);
            Files.deleteIfExists(err);
            if (p.exitValue() != 0) {
                throw new IllegalStateException("oracle failed (" + p.exitValue() + "): " + cmd + "\n" + stderr);
            }
            return new String(out, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException("cannot run oracle " + cmd, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted running " + cmd, e);
        }
    }
}
