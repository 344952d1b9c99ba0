package dev.torchslim.report;

import dev.torchslim.core.TorchSlim;
import dev.torchslim.core.TorchSlimException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;

/** Where a result was measured: versions, threads, seed, machine; the "environment" block of every JSON report. */
public final class RunEnvironment {
    private RunEnvironment() {}

    /**
     * The environment of this process now.
     *
     * @param seed the run's seed, or null when it has none
     * @return an ordered map of JSON-ready values (strings and numbers)
     */
    public static Map<String, Object> current(Long seed) {
        Properties build = TorchSlim.buildInfo();
        Map<String, Object> env = new LinkedHashMap<>();
        env.put("torchslim_version", build.getProperty("torchslim.version", "unknown"));
        env.put("libtorch_version", build.getProperty("torch.version", "unknown"));
        env.put("pytorch_presets_version", build.getProperty("pytorch.presets.version", "unknown"));
        try {
            env.put("torch_threads", TorchSlim.numThreads());
            env.put("blas_threads", TorchSlim.blasThreads());
            env.put("parallel_gemm", TorchSlim.parallelGemm());
        } catch (TorchSlimException | LinkageError e) {
            env.put("natives", "not loaded: " + e.getMessage());
        }
        if (seed != null) {
            env.put("seed", seed);
        }
        env.put("cpus", Runtime.getRuntime().availableProcessors());
        env.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version") + " "
                + System.getProperty("os.arch"));
        env.put("java", System.getProperty("java.vm.name") + " " + System.getProperty("java.version"));
        env.put("time_utc", Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
        return env;
    }
}
