package dev.torchslim.examples.data;

import org.bytedeco.pytorch.Tensor;

/**
 * Images (N×1×28×28 float32, normalised) and labels (N int64) held as two LibTorch tensors.
 * Owns them: close() frees them.
 */
public final class Dataset implements AutoCloseable {
    private final Tensor images;
    private final Tensor labels;
    private final long size;

    /**
     * A data set of images and their labels; it owns both and frees them on close.
     *
     * @param images the inputs, one example per row
     * @param labels the class indices, one per row
     * @throws IllegalArgumentException when the row counts differ
     */
    public Dataset(Tensor images, Tensor labels) {
        if (images.size(0) != labels.size(0)) {
            throw new IllegalArgumentException("images (" + images.size(0) + ") and labels ("
                    + labels.size(0) + ") differ in count");
        }
        this.images = images;
        this.labels = labels;
        this.size = images.size(0);
    }

    /**
     * The inputs, one example per row.
     *
     * @return the images (owned by this data set)
     */
    public Tensor images() {
        return images;
    }

    /**
     * The class index of every example.
     *
     * @return the labels (owned by this data set)
     */
    public Tensor labels() {
        return labels;
    }

    /**
     * The number of examples.
     *
     * @return the row count
     */
    public long size() {
        return size;
    }

    /**
     * The first n examples (views; owned by this data set).
     *
     * @param n the number of examples, at most {@link #size()}
     * @return a view of the first n rows
     */
    public Dataset head(long n) {
        if (n < 1 || n > size) {
            throw new IllegalArgumentException("head(" + n + ") of a data set of " + size);
        }
        return new Dataset(images.narrow(0, 0, n), labels.narrow(0, 0, n));
    }

    @Override
    public void close() {
        images.close();
        labels.close();
    }
}
