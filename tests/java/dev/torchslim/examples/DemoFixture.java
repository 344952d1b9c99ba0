package dev.torchslim.examples;

import dev.torchslim.examples.data.Dataset;
import dev.torchslim.examples.model.SimpleModel;
import dev.torchslim.examples.train.Trainer;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import org.bytedeco.pytorch.SequentialImpl;
import org.bytedeco.pytorch.global.torch;

/**
 * What the demo-stage tests share: random Fashion-MNIST-shaped data (seed 9, 128 test rows), a
 * quiet Trainer, an untrained SimpleModel baseline in eval mode, and a DemoContext printing to
 * {@link #text()}. The real figures come from ./torchslim demo.
 */
final class DemoFixture implements AutoCloseable {
    private final Dataset train;
    private final Dataset test;
    private final ByteArrayOutputStream text = new ByteArrayOutputStream();
    private final DemoContext ctx;

    /** A fixture with trainRows random training rows. */
    DemoFixture(int trainRows) {
        torch.manual_seed(9);
        train = new Dataset(torch.randn(trainRows, 1, 28, 28), torch.randint(0L, 10L, new long[] {trainRows}));
        test = new Dataset(torch.randn(128, 1, 28, 28), torch.randint(0L, 10L, new long[] {128}));
        Trainer trainer = new Trainer(train, test, Trainer.Config.defaults().withProgress(false));
        SequentialImpl baseline = SimpleModel.create();
        baseline.eval();
        ctx = new DemoContext(trainer, baseline, new PrintStream(text, true));
    }

    DemoContext ctx() {
        return ctx;
    }

    /** What the stages printed so far. */
    String text() {
        return text.toString();
    }

    @Override
    public void close() {
        train.close();
        test.close();
    }
}
