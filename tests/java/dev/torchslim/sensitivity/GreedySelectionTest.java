package dev.torchslim.sensitivity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.torchslim.sensitivity.GreedySelection.Candidate;
import java.util.List;
import java.util.Map;
import java.util.function.ToLongFunction;
import org.junit.jupiter.api.Test;

/** AIMET's greedy selection on a hand-made table: a sensitive and an insensitive unit. */
class GreedySelectionTest {
    // unit a is sensitive (loss rises fast), unit b is not; each is 100 in size uncompressed
    private static final List<Candidate> CANDIDATES = List.of(
            new Candidate("a", 0.5, 50, 2.0), new Candidate("a", 0.8, 20, 5.0),
            new Candidate("b", 0.5, 50, 1.05), new Candidate("b", 0.8, 20, 1.1));
    private static final ToLongFunction<Map<String, Candidate>> COST = chosen -> {
        long sum = 0;
        for (String u : List.of("a", "b")) {
            sum += chosen.containsKey(u) ? chosen.get(u).size() : 100;
        }
        return sum;
    };

    @Test
    void greedyCompressesTheInsensitiveUnitFirst() {
        GreedySelection.Choice c = GreedySelection.choose(List.of("a", "b"), CANDIDATES, 1.0,
                GreedySelection.Adjustment.NONE, COST, 120);
        assertTrue(c.met());
        assertEquals(1.1, c.threshold());
        assertEquals(Map.of("b", CANDIDATES.get(3)), c.chosen());
        assertEquals(120, c.cost());
        GreedySelection.Choice u = GreedySelection.uniform(List.of("a", "b"), CANDIDATES, new double[] {0.5, 0.8},
                GreedySelection.Adjustment.NONE, COST, 120);
        assertEquals(0.5, u.setting());
        assertEquals(100, u.cost());
    }

    @Test
    void anUnreachableLimitGivesTheSmallestCandidatesAndSaysSo() {
        GreedySelection.Choice c = GreedySelection.choose(List.of("a", "b"), CANDIDATES, 1.0,
                GreedySelection.Adjustment.NONE, COST, 10);
        assertFalse(c.met());
        assertEquals(40, c.cost());
        assertEquals(1, c.notes().size());
    }
}
