package dev.torchslim.examples.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.torchslim.core.NativeLibrary;
import dev.torchslim.examples.data.Dataset;
import dev.torchslim.examples.data.FashionMnist;
import dev.torchslim.jni.CoreApi;
import dev.torchslim.examples.model.SimpleModel;
import java.io.IOException;
import java.nio.file.Files;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.bytedeco.pytorch.SequentialImpl;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

class TrainerTest {
    static boolean haveData() {
        boolean present = Files.isDirectory(FashionMnist.defaultDir());
        if (System.getenv("CI") != null && !present) {
            throw new IllegalStateException("Fashion-MNIST missing in CI: .ci/run installs dataset-fashion-mnist");
        }
        return present;
    }

    @Test
    void simpleModelHasTheSeedsShapeAndParameterCount() {
        SequentialImpl m = SimpleModel.create();
        // conv1 10*1*5*5+10, conv2 20*10*5*5+20, fc1 50*320+50, fc2 10*50+10
        assertEquals(260 + 5020 + 16050 + 510, CoreApi.count_parameters(m));
        assertEquals(13, m.size());
        assertEquals(List.of(4L, 10L), List.of(m.forward(torch.zeros(4, 1, 28, 28)).size(0),
                m.forward(torch.zeros(4, 1, 28, 28)).size(1)));
    }

    @Test
    void learnsFashionMnistFromAFewThousandExamples() throws IOException {
        assumeTrue(haveData(), "dataset-fashion-mnist not installed");
        NativeLibrary.ensureLoaded();
        try (Dataset all = FashionMnist.train(FashionMnist.defaultDir());
             Dataset allTest = FashionMnist.test(FashionMnist.defaultDir())) {
            Dataset train = all.head(6400);
            Dataset test = allTest.head(2000);
            Trainer trainer = new Trainer(train, test, Trainer.Config.defaults().withProgress(false));
            torch.manual_seed(1);
            SequentialImpl model = SimpleModel.create();
            double before = trainer.evaluate(model);
            AtomicLong steps = new AtomicLong();
            List<Trainer.EpochResult> epochs = trainer.train(model, 2,
                    m -> new org.bytedeco.pytorch.Adam(m.parameters(), new org.bytedeco.pytorch.AdamOptions(1e-3)),
                    step -> steps.incrementAndGet());
            double after = trainer.evaluate(model);
            assertEquals(2 * 100, steps.get());
            assertTrue(epochs.get(1).meanLoss() < epochs.get(0).meanLoss(), "loss did not fall: " + epochs);
            assertTrue(after > 0.6, "accuracy after training " + after);
            assertTrue(after > before + 0.3, "before " + before + ", after " + after);
        }
    }

    @Test
    void configRejectsBadValues() {
        assertThrows(IllegalArgumentException.class, () -> new Trainer.Config(0, 1e-3, 1, false));
        assertThrows(IllegalArgumentException.class, () -> new Trainer.Config(64, 0, 1, false));
        assertThrows(IllegalArgumentException.class, () -> new Trainer.Config(64, Double.NaN, 1, false));
    }
}
