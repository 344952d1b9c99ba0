package dev.torchslim.examples.data;

import dev.torchslim.core.NativeLibrary;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * Fashion-MNIST from Debian's {@code dataset-fashion-mnist} package (gzipped IDX files in
 * /usr/share/datasets/fashion-mnist). Pixels are scaled to [0,1] then normalised as the seed
 * (PyTorch's MNIST example) does: mean 0.1307, standard deviation 0.3081.
 */
public final class FashionMnist {
    /** Where Debian's fashion-mnist package installs the IDX files. */
    public static final Path DEFAULT_DIR = Paths.get("/usr/share/datasets/fashion-mnist");
    /** The mean of the training pixels in [0, 1] (the MNIST constant PyTorch examples use). */
    public static final double MEAN = 0.1307;
    /** The standard deviation used with {@link #MEAN} to normalise pixels. */
    public static final double STD = 0.3081;
    /** The class names, by label index. */
    public static final String[] CLASSES = {
        "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"
    };

    private FashionMnist() {}

    /**
     * The directory from -Dtorchslim.data, $TORCHSLIM_DATA, or the Debian package's.
     *
     * @return the data directory
     */
    public static Path defaultDir() {
        String p = System.getProperty("torchslim.data", System.getenv("TORCHSLIM_DATA"));
        return p == null || p.isEmpty() ? DEFAULT_DIR : Paths.get(p);
    }

    /**
     * The 60,000 training images and labels.
     *
     * @param dir the directory holding the IDX files (gzipped or not)
     * @return the normalised training set
     * @throws IOException when a file cannot be read
     */
    public static Dataset train(Path dir) throws IOException {
        return load(dir, "train");
    }

    /**
     * The 10,000 test images and labels.
     *
     * @param dir the directory holding the IDX files (gzipped or not)
     * @return the normalised test set
     * @throws IOException when a file cannot be read
     */
    public static Dataset test(Path dir) throws IOException {
        return load(dir, "t10k");
    }

    private static Dataset load(Path dir, String prefix) throws IOException {
        Path images = find(dir, prefix + "-images-idx3-ubyte");
        Path labels = find(dir, prefix + "-labels-idx1-ubyte");
        IdxReader.IdxData img = IdxReader.read(images);
        IdxReader.IdxData lab = IdxReader.read(labels);
        if (img.dims().length != 3 || img.dims()[1] != 28 || img.dims()[2] != 28) {
            throw new IdxFormatException(images + ": expected N×28×28 images, got dims "
                    + java.util.Arrays.toString(img.dims()));
        }
        if (lab.dims().length != 1 || lab.count() != img.count()) {
            throw new IdxFormatException(labels + ": " + lab.count() + " labels for " + img.count() + " images");
        }
        for (byte b : lab.data()) {
            if (b < 0 || b > 9) {
                throw new IdxFormatException(labels + ": label " + b + " outside 0..9");
            }
        }
        return toDataset(img, lab);
    }

    /**
     * Builds normalised tensors from parsed IDX data.
     *
     * @param img the images' IDX data
     * @param lab the labels' IDX data
     * @return images as float in NCHW, normalised, and labels as int64
     */
    public static Dataset toDataset(IdxReader.IdxData img, IdxReader.IdxData lab) {
        NativeLibrary.ensureLoaded();
        int n = img.count();
        try (BytePointer pixels = new BytePointer(img.data());
             BytePointer labelBytes = new BytePointer(lab.data())) {
            Tensor raw = torch.from_blob(pixels, new long[] {n, 1, 28, 28},
                    new org.bytedeco.pytorch.TensorOptions(torch.ScalarType.Byte));
            Tensor images = raw.to(torch.ScalarType.Float).div_(new org.bytedeco.pytorch.Scalar(255.0))
                    .sub_(new org.bytedeco.pytorch.Scalar(MEAN)).div_(new org.bytedeco.pytorch.Scalar(STD));
            Tensor labRaw = torch.from_blob(labelBytes, new long[] {n},
                    new org.bytedeco.pytorch.TensorOptions(torch.ScalarType.Byte));
            Tensor labels = labRaw.to(torch.ScalarType.Long);
            raw.close();
            labRaw.close();
            return new Dataset(images, labels);
        }
    }

    private static Path find(Path dir, String base) throws DatasetNotFoundException {
        for (String name : new String[] {base + ".gz", base}) {
            Path p = dir.resolve(name);
            if (Files.isRegularFile(p)) {
                return p;
            }
        }
        throw new DatasetNotFoundException("Fashion-MNIST file " + base + "(.gz) not found in " + dir
                + ": install Debian's package with 'apt-get install -y dataset-fashion-mnist'"
                + " (files in " + DEFAULT_DIR + "), or point -Dtorchslim.data / TORCHSLIM_DATA at a directory"
                + " holding the four IDX files");
    }
}
