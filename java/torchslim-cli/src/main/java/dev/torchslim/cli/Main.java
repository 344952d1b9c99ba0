package dev.torchslim.cli;

import dev.torchslim.core.Progress;
import dev.torchslim.core.TorchSlimException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** ./torchslim COMMAND [options]: the command line of TorchSlim. */
public final class Main {
    /** Every subcommand; a technique adds its own here. */
    static List<Command> commands() {
        return List.of(new DemoCommand(),
                new PruneCommand(),
                new QuantizeCommand(),
                new FinetuneCommand(),
                new LowRankCommand(),
                new DistillCommand(),
                new ExportCommand(),
                new CompressCommand());
    }

    /** Options of every command, given before or after the command name. */
    static final Set<String> GLOBAL_OPTIONS = Set.of("--verbose", "--progress", "--no-progress");

    private Main() {}

    /**
     * The entry point of the runnable jar and of ./torchslim; exits with {@link #run}'s status.
     *
     * @param args a command name and its arguments
     */
    public static void main(String[] args) {
        System.exit(run(args));
    }

    /**
     * Runs one command line and returns its exit status (0 ok, 1 refused or failed, 2 usage).
     *
     * @param args a command name and its arguments
     * @return the exit status
     */
    public static int run(String[] args) {
        List<String> rest = new ArrayList<>();
        Set<String> global = new java.util.HashSet<>();
        for (String a : args) {
            if (GLOBAL_OPTIONS.contains(a)) {
                global.add(a);
            } else {
                rest.add(a);
            }
        }
        if (global.contains("--progress") && global.contains("--no-progress")) {
            System.err.println("torchslim: give --progress or --no-progress, not both");
            return 2;
        }
        if (global.contains("--verbose")) {
            // Read by slf4j-simple when the first logger is made; a JVM that logged before keeps its level.
            System.setProperty("org.slf4j.simpleLogger.log.dev.torchslim", "debug");
        }
        try (ProgressBars bars = new ProgressBars(System.err);
             Progress.Scope scope = Progress.listen(
                     ProgressBars.wanted(global.contains("--progress"), global.contains("--no-progress")) ? bars : null)) {
            return dispatch(rest.toArray(new String[0]));
        }
    }

    private static int dispatch(String[] args) {
        Map<String, Command> byName = new LinkedHashMap<>();
        for (Command c : commands()) {
            byName.put(c.name(), c);
        }
        if (args.length == 0 || args[0].equals("--help") || args[0].equals("-h") || args[0].equals("help")) {
            printHelp(byName);
            return args.length == 0 ? 2 : 0;
        }
        if (args[0].equals("--version") || args[0].equals("-V")) {
            printVersion();
            return 0;
        }
        Command command = byName.get(args[0]);
        if (command == null) {
            System.err.println("torchslim: unknown command '" + args[0] + "'");
            printHelp(byName);
            return 2;
        }
        String[] rest = java.util.Arrays.copyOfRange(args, 1, args.length);
        if (rest.length == 1 && (rest[0].equals("--help") || rest[0].equals("-h"))) {
            System.out.println(command.usage());
            return 0;
        }
        try {
            return command.run(rest);
        } catch (UsageException e) {
            System.err.println("torchslim " + command.name() + ": " + e.getMessage());
            System.err.println(command.usage());
            return 2;
        } catch (TorchSlimException | IllegalArgumentException | IllegalStateException e) {
            System.err.println("torchslim " + command.name() + ": " + e.getMessage());
            return 1;
        } catch (java.io.IOException e) {
            System.err.println("torchslim " + command.name() + ": " + e.getMessage());
            return 1;
        } catch (Exception e) {
            System.err.println("torchslim " + command.name() + ": unexpected " + e);
            e.printStackTrace();
            return 1;
        }
    }

    /** The build's versions; then loads the natives and says whether they work here. */
    private static void printVersion() {
        java.util.Properties p = dev.torchslim.core.TorchSlim.buildInfo();
        System.out.println("torchslim " + p.getProperty("torchslim.version", "unknown"));
        System.out.println("LibTorch " + p.getProperty("torch.version", "?") + " (org.bytedeco:pytorch "
                + p.getProperty("pytorch.presets.version", "?") + ", JavaCPP " + p.getProperty("javacpp.version", "?")
                + "), platform " + org.bytedeco.javacpp.Loader.getPlatform());
        try {
            System.out.println("natives: libtorchslim " + dev.torchslim.core.TorchSlim.version() + " on LibTorch "
                    + dev.torchslim.core.TorchSlim.torchVersion() + ", CUDA kernels "
                    + (dev.torchslim.core.TorchSlim.builtWithCuda() ? "built in" : "not built in"));
        } catch (TorchSlimException e) {
            System.out.println("natives: not loadable here: " + e.getMessage());
        }
    }

    private static void printHelp(Map<String, Command> commands) {
        System.out.println("usage: ./torchslim COMMAND [options]   (COMMAND --help for its options; --version)");
        System.out.println("  and, with any command: --verbose (the library's log at debug level, on stderr),"
                + " --progress / --no-progress (bars on stderr; default: on a terminal only)");
        for (Command c : commands.values()) {
            System.out.println();
            System.out.println(c.usage());
        }
    }
}
