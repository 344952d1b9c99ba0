package dev.torchslim.prune;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** Ratio choice from a latency table: the cheapest importance per ms first, and no overshoot. */
class LatencyRatiosTest {
    // dense 10 ms; group 0 saves 2/4/6 ms at 0.25/0.5/0.75, group 1 saves 1/2/3 ms
    private final LatencyTable table = LatencyTable.of(10, new double[] {0.25, 0.5, 0.75},
            Map.of(0, new double[] {2, 4, 6}, 1, new double[] {1, 2, 3}));
    private final Map<Integer, double[]> flat = Map.of(0, new double[] {1, 1, 1, 1, 1, 1, 1, 1},
            1, new double[] {1, 1, 1, 1, 1, 1, 1, 1});

    @Test
    void theGroupSavingMostPerImportanceGoesFirstAndTheLastStepStopsAtTheTarget() {
        // target 7 ms: group 0 at 0.25 (8 ms), then its next step would give 6 ms; half of it meets 7 ms
        Map<Integer, Double> r = LatencyRatios.choose(table, flat, 7);
        assertEquals(Map.of(0, 0.375), r);
        assertEquals(7.0, table.predictMs(r), 1e-9);
    }

    @Test
    void aStepThatSavesMoreThanIsLeftStillStopsAtTheTarget() {
        LatencyTable noisy = LatencyTable.of(10, new double[] {0.25, 0.5}, Map.of(0, new double[] {12, 12}));
        Map<Integer, Double> r = LatencyRatios.choose(noisy, Map.of(0, new double[] {1, 1, 1, 1}), 5);
        assertEquals(5.0, noisy.predictMs(r), 1e-9, r.toString());
    }

    @Test
    void aTargetBeyondEveryStepTakesThemAll() {
        Map<Integer, Double> r = LatencyRatios.choose(table, flat, 0.5);
        assertEquals(Map.of(0, 0.75, 1, 0.75), r);
        assertEquals(1.0, table.predictMs(r), 1e-9);
        assertThrows(IllegalArgumentException.class, () -> LatencyRatios.choose(table, flat, 0));
    }
}
