package dev.torchslim.prune;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** How {@link GraphChannelPruner} ranks the units (channels, heads) of a group: the least important leave. */
public enum Importance {
    /** L1 norm of each unit's weights across the group's layers (Torch-Pruning's MagnitudeImportance p=1). */
    L1,
    /** L2 norm of each unit's weights across the group's layers. */
    L2,
    /** The absolute BatchNorm scale of each channel (network slimming); groups without a BatchNorm use L2. */
    BN,
    /** A seeded random ranking (the baseline every criterion should beat). */
    RANDOM,
    /** First-order Taylor: the sum of |weight x gradient| of the loss on the example's rows and their targets. */
    TAYLOR;

    /**
     * The name the CLI and the native pruner use.
     *
     * @return {@code l1}, {@code l2}, {@code bn}, {@code random} or {@code taylor}
     */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * The criterion of a name.
     *
     * @param id {@code l1}, {@code l2}, {@code bn}, {@code random} or {@code taylor} (any case)
     * @return the criterion
     * @throws IllegalArgumentException if the name is none of them
     */
    public static Importance of(String id) {
        for (Importance i : values()) {
            if (i.id().equalsIgnoreCase(id == null ? "" : id.trim())) {
                return i;
            }
        }
        throw new IllegalArgumentException("importance must be one of " + names() + "; got '" + id + "'");
    }

    /**
     * All names, for messages and help.
     *
     * @return {@code "l1, l2, bn, random, taylor"}
     */
    public static String names() {
        return Arrays.stream(values()).map(Importance::id).collect(Collectors.joining(", "));
    }
}
