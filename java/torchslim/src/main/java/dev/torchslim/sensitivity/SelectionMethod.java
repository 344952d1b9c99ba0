package dev.torchslim.sensitivity;

import java.util.Locale;

/** How a per-layer selection under a budget was made. */
public enum SelectionMethod {
    /** AIMET's greedy selection: the loss threshold that meets the budget, per layer. */
    GREEDY,
    /** The baseline: one setting (rank fraction, pruning ratio) for every layer. */
    UNIFORM;

    /**
     * The method's name in reports, "greedy" or "uniform".
     *
     * @return the lower-case name
     */
    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * A selection's name in reports: "greedy", or "uniform" and its one setting.
     *
     * @param setting uniform: the setting every layer got (ignored for greedy)
     * @return e.g. "greedy" or "uniform 0.4"
     */
    public String describe(double setting) {
        return this == GREEDY ? "greedy" : "uniform " + setting;
    }
}
