package dev.torchslim.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.torchslim.data.TensorData;
import dev.torchslim.graph.ScriptModel;
import dev.torchslim.oracle.GraphModels;
import dev.torchslim.train.GraphTrainer;
import dev.torchslim.train.Loss;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The library's progress reports: a task's start, steps and end reach the listener installed on the thread. */
class ProgressTest {
    /** Records every report as "task done/total" and "end task done". */
    static final class Recorder implements ProgressListener {
        final List<String> events = new ArrayList<>();

        @Override
        public void update(String task, long done, long total) {
            events.add(task + " " + done + "/" + total);
        }

        @Override
        public void end(String task, long done) {
            events.add("end " + task + " " + done);
        }
    }

    @Test
    void aTaskReportsItsStartStepsAndEndOnce() {
        Recorder r = new Recorder();
        try (Progress.Scope s = Progress.listen(r)) {
            try (Progress.Task t = Progress.task("scan", 2)) {
                t.step();
                t.step();
                t.close();
            }
        }
        assertEquals(List.of("scan 0/2", "scan 1/2", "scan 2/2", "end scan 2"), r.events);
    }

    @Test
    void aScopeRestoresTheListenerBeforeIt() {
        Recorder outer = new Recorder();
        Recorder inner = new Recorder();
        try (Progress.Scope a = Progress.listen(outer)) {
            try (Progress.Scope b = Progress.listen(inner)) {
                Progress.task("inner", 1).close();
            }
            Progress.task("outer", -1).close();
        }
        Progress.task("nobody", 1).close(); // no listener: nothing to hear it, no failure
        assertEquals(List.of("inner 0/1", "end inner 0"), inner.events);
        assertEquals(List.of("outer 0/-1", "end outer 0"), outer.events);
    }

    @Test
    void anotherThreadHearsNothing() throws Exception {
        Recorder r = new Recorder();
        try (Progress.Scope s = Progress.listen(r)) {
            Thread t = new Thread(() -> Progress.task("elsewhere", 1).close());
            t.start();
            t.join();
        }
        assertTrue(r.events.isEmpty(), r.events.toString());
    }

    @Test
    @Tag("oracle")
    void graphTrainerReportsEveryEpochsBatches() {
        Recorder r = new Recorder();
        try (ScriptModel model = ScriptModel.load(GraphModels.file("resnet", ".pt"));
             Progress.Scope s = Progress.listen(r)) {
            TensorData data = TensorData.load(GraphModels.file("resnet", ".data.pt"));
            long batches = (data.size() + 15) / 16;
            GraphTrainer.fit(model, data, Loss.CE, new GraphTrainer.Config(16, 1e-3, 2, 7));
            for (int e = 1; e <= 2; e++) {
                String task = "train epoch " + e + "/2";
                assertTrue(r.events.contains(task + " 0/" + batches), r.events.toString());
                assertTrue(r.events.contains(task + " " + batches + "/" + batches), r.events.toString());
                assertTrue(r.events.contains("end " + task + " " + batches), r.events.toString());
            }
            assertEquals(2 * (batches + 2), r.events.size(), r.events.toString());
        }
    }
}
