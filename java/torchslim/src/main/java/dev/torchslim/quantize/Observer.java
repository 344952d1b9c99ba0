package dev.torchslim.quantize;

/**
 * How static int8 records activation ranges during calibration, as torch.ao.quantization's
 * observers of the same names compute them (results equal Python's quantize_jit).
 */
public enum Observer {
    /** Running minimum and maximum (MinMaxObserver). */
    MIN_MAX("minmax"),
    /** Exponential moving average of each batch's min and max, constant 0.01 (MovingAverageMinMaxObserver). */
    MOVING_AVERAGE("moving_average"),
    /**
     * A running histogram of the activations (2048 bins), then the range that minimises the L2
     * quantization error (HistogramObserver): outliers stop widening the scale. Calibration is
     * slower than with min/max.
     */
    HISTOGRAM("histogram");

    private final String nativeName;

    Observer(String nativeName) {
        this.nativeName = nativeName;
    }

    String nativeName() {
        return nativeName;
    }

    /**
     * Parses "minmax", "moving_average" or "histogram" (or the constant's name), ignoring case.
     *
     * @param name the observer's name
     * @return the observer
     * @throws IllegalArgumentException for any other name
     */
    public static Observer parse(String name) {
        for (Observer o : values()) {
            if (o.nativeName.equalsIgnoreCase(name) || o.name().equalsIgnoreCase(name)) {
                return o;
            }
        }
        throw new IllegalArgumentException("unknown observer '" + name + "': expected minmax, moving_average or histogram");
    }
}
