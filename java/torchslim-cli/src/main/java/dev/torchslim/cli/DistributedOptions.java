package dev.torchslim.cli;

import dev.torchslim.distributed.DataParallelGroup;
import dev.torchslim.distributed.LocalLauncher;
import dev.torchslim.distributed.Rendezvous;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The data-parallel options shared by finetune, distill and quantize --mode qat: {@code --nproc N}
 * launches N local ranks; {@code --rank/--world-size/--master-addr/--master-port} (or torchrun's
 * RANK, WORLD_SIZE, MASTER_ADDR, MASTER_PORT) make this process one rank of a job on several hosts.
 */
final class DistributedOptions {
    static final Set<String> VALUED = Set.of("nproc", "rank", "world-size", "master-addr", "master-port", "dist-timeout",
            "bucket-mb", "overlap");
    static final String USAGE = String.join("\n",
            "  Data-parallel: [--nproc N] launches N local processes (--batch is the global batch);",
            "  or one rank of a multi-host job: --rank R --world-size W --master-addr HOST --master-port P",
            "  (default: torchrun's RANK, WORLD_SIZE, MASTER_ADDR, MASTER_PORT), [--dist-timeout 60] seconds,",
            "  [--bucket-mb 25] gradient bucket size, [--overlap on|off] all-reduce buckets during backward (on).",
            "  Rank 0 writes the output. See docs/distributed.md.");

    private DistributedOptions() {}

    static Set<String> with(Set<String> valued) {
        Set<String> all = new HashSet<>(valued);
        all.addAll(VALUED);
        return all;
    }

    /** Whether this run should launch local ranks (--nproc above 1, not already a launched rank). */
    static boolean launches(Args args) {
        return args.intValue("nproc", 1, 1, 1024) > 1;
    }

    /** Launches the ranks running this same command without --nproc; returns the job's exit status. */
    static int launch(String command, String[] argv, Args args) throws IOException, InterruptedException {
        for (String k : List.of("rank", "world-size")) {
            if (args.get(k, null) != null) {
                throw new UsageException("--nproc launches its own ranks: drop --" + k);
            }
        }
        int nproc = args.intValue("nproc", 1, 1, 1024);
        List<String> rest = new ArrayList<>();
        rest.add(command);
        for (int i = 0; i < argv.length; i++) {
            if (argv[i].equals("--nproc")) {
                i++;
            } else if (!argv[i].startsWith("--nproc=")) {
                rest.add(argv[i]);
            }
        }
        return LocalLauncher.run(nproc, Main.class.getName(), rest, Duration.ofSeconds(5), System.out);
    }

    /** The rendezvous of this process, or null for a single process. */
    static Rendezvous rendezvous(Args args) {
        String r = args.get("rank", null);
        String w = args.get("world-size", null);
        String p = args.get("master-port", null);
        return Rendezvous.resolve(r == null ? null : args.intValue("rank", 0, 0, 1 << 20),
                w == null ? null : args.intValue("world-size", 1, 1, 1 << 20), args.get("master-addr", null),
                p == null ? null : args.intValue("master-port", Rendezvous.DEFAULT_PORT, 1, 65535),
                Duration.ofMillis((long) (1000 * args.doubleValue("dist-timeout", 60, 0.1, 86_400))), System.getenv());
    }

    /** Joins the job (gloo), or null for a single process (world size 1 counts as single). */
    static DataParallelGroup join(Args args) {
        Rendezvous r = rendezvous(args);
        if (r == null || r.worldSize() == 1) {
            return null;
        }
        String overlap = args.get("overlap", "on");
        if (!overlap.equals("on") && !overlap.equals("off")) {
            throw new UsageException("--overlap takes on or off, not '" + overlap + "'");
        }
        long bucketBytes = (long) (args.doubleValue("bucket-mb", 25, 1.0 / 1024, 1 << 20) * (1 << 20));
        DataParallelGroup g = DataParallelGroup.join(r).gradientReduction(bucketBytes, overlap.equals("on"));
        System.out.printf("rank %d of %d joined through %s (%s)%n", g.rank(), g.worldSize(), r.address(),
                g.backendKind().name().toLowerCase());
        return g;
    }

    /** Whether this process writes outputs and prints the summary (rank 0, or a single process). */
    static boolean writes(DataParallelGroup g) {
        return g == null || g.rank() == 0;
    }
}
