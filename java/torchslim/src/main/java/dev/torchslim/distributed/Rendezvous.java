package dev.torchslim.distributed;

import java.time.Duration;
import java.util.Map;

/**
 * Where the ranks of one training job meet: this process's rank, the number of ranks, and the
 * address and port of rank 0's TCP store. Named as torchrun names them ({@code RANK},
 * {@code WORLD_SIZE}, {@code MASTER_ADDR}, {@code MASTER_PORT}) so a job launched by torchrun,
 * Slurm scripts or Kubernetes operators that set them runs unchanged.
 *
 * @param rank this process's rank, in {@code [0, worldSize)}
 * @param worldSize the number of ranks, at least 1
 * @param masterAddr the host of rank 0's store
 * @param masterPort the port of rank 0's store, in {@code [1, 65535]}
 * @param timeout how long joining and each collective may wait, positive
 */
public record Rendezvous(int rank, int worldSize, String masterAddr, int masterPort, Duration timeout) {
    /** The timeout when none is given: 60 s. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);
    /** The store's port when neither an argument nor MASTER_PORT gives one (torchrun's default). */
    public static final int DEFAULT_PORT = 29500;

    /**
     * Checks the values.
     *
     * @param rank this process's rank, in {@code [0, worldSize)}
     * @param worldSize the number of ranks, at least 1
     * @param masterAddr the host of rank 0's store, not blank
     * @param masterPort the port of rank 0's store, in {@code [1, 65535]}
     * @param timeout how long joining and each collective may wait, positive
     * @throws IllegalArgumentException if a value is out of range or missing
     */
    public Rendezvous {
        if (worldSize < 1) {
            throw new IllegalArgumentException("world size must be >= 1, got " + worldSize);
        }
        if (rank < 0 || rank >= worldSize) {
            throw new IllegalArgumentException("rank must be in [0, " + (worldSize - 1) + "] for world size "
                    + worldSize + ", got " + rank);
        }
        if (masterAddr == null || masterAddr.isBlank()) {
            throw new IllegalArgumentException("master address must not be empty");
        }
        if (masterPort < 1 || masterPort > 65535) {
            throw new IllegalArgumentException("master port must be in [1, 65535], got " + masterPort);
        }
        if (timeout == null || timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout must be > 0, got " + timeout);
        }
    }

    /**
     * "host:port" of rank 0's store, for messages.
     *
     * @return the store's address
     */
    public String address() {
        return masterAddr + ":" + masterPort;
    }

    /**
     * The rendezvous from explicit values, each falling back to the environment variable torchrun
     * sets (RANK, WORLD_SIZE, MASTER_ADDR, MASTER_PORT); null where neither gives a world size
     * (a single process). MASTER_ADDR defaults to 127.0.0.1, MASTER_PORT to 29500.
     *
     * @param rank the rank, or null to read RANK
     * @param worldSize the world size, or null to read WORLD_SIZE
     * @param masterAddr the store's host, or null to read MASTER_ADDR
     * @param masterPort the store's port, or null to read MASTER_PORT
     * @param timeout the timeout, or null for {@link #DEFAULT_TIMEOUT}
     * @param env the environment to read (usually {@code System.getenv()})
     * @return the rendezvous, or null for a single process
     * @throws IllegalArgumentException if a rank is given without a world size, a world size without
     *     a rank, an environment variable is not an integer, or a value is out of range
     */
    public static Rendezvous resolve(Integer rank, Integer worldSize, String masterAddr, Integer masterPort,
            Duration timeout, Map<String, String> env) {
        Integer world = worldSize != null ? worldSize : intEnv(env, "WORLD_SIZE");
        if (world == null) {
            if (rank != null) {
                throw new IllegalArgumentException("--rank " + rank + " needs --world-size (or WORLD_SIZE)");
            }
            return null;
        }
        Integer r = rank != null ? rank : intEnv(env, "RANK");
        if (r == null) {
            throw new IllegalArgumentException("world size " + world + " needs this process's rank: --rank or RANK");
        }
        String addr = masterAddr != null ? masterAddr : env.getOrDefault("MASTER_ADDR", "127.0.0.1");
        Integer port = masterPort != null ? masterPort : intEnv(env, "MASTER_PORT");
        return new Rendezvous(r, world, addr, port != null ? port : DEFAULT_PORT,
                timeout != null ? timeout : DEFAULT_TIMEOUT);
    }

    private static Integer intEnv(Map<String, String> env, String name) {
        String v = env.get(name);
        if (v == null || v.isBlank()) {
            return null;
        }
        try {
            return Integer.parseInt(v.strip());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("environment variable " + name + "='" + v + "' is not an integer");
        }
    }
}
