package dev.torchslim.quantize;

/**
 * How static quantization and QAT pick the range of each activation: running min/max, a moving
 * average of per-batch min/max, or a histogram cut at a percentile or where the expected squared
 * quantization error is least.
 */
public record Observer(Kind kind, double argument) {
    public enum Kind { MIN_MAX, MOVING_AVERAGE, HISTOGRAM_PERCENTILE, HISTOGRAM_MSE }

    public Observer {
        if (kind == Kind.MOVING_AVERAGE && !(argument > 0 && argument <= 1)) {
            throw new IllegalArgumentException("moving average constant must be in (0, 1], got " + argument);
        }
        if (kind == Kind.HISTOGRAM_PERCENTILE && !(argument > 50 && argument <= 100)) {
            throw new IllegalArgumentException("percentile must be in (50, 100], got " + argument);
        }
    }

    public static Observer minMax() {
        return new Observer(Kind.MIN_MAX, 0);
    }

    /** PyTorch's MovingAverageMinMaxObserver uses 0.01. */
    public static Observer movingAverage(double averagingConstant) {
        return new Observer(Kind.MOVING_AVERAGE, averagingConstant);
    }

    public static Observer histogramPercentile(double percentile) {
        return new Observer(Kind.HISTOGRAM_PERCENTILE, percentile);
    }

    public static Observer histogramMse() {
        return new Observer(Kind.HISTOGRAM_MSE, 0);
    }

    String nativeName() {
        return switch (kind) {
            case MIN_MAX -> "minmax";
            case MOVING_AVERAGE -> "moving_average";
            case HISTOGRAM_PERCENTILE -> "histogram_percentile";
            case HISTOGRAM_MSE -> "histogram_mse";
        };
    }
}
