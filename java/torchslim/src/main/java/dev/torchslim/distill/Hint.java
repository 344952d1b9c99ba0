package dev.torchslim.distill;

import java.util.ArrayList;
import java.util.List;

/**
 * One feature hint: the output of the teacher's submodule {@code teacherLayer} guides the output
 * of the student's submodule {@code studentLayer} (module paths as in {@code ScriptModel.modules()},
 * e.g. "layer3" or "layer2.1.conv1").
 *
 * @param teacherLayer the teacher's module path
 * @param studentLayer the student's module path
 */
public record Hint(String teacherLayer, String studentLayer) {
    /**
     * Checks the names.
     *
     * @param teacherLayer the teacher's module path, not blank
     * @param studentLayer the student's module path, not blank
     */
    public Hint {
        if (teacherLayer == null || teacherLayer.isBlank() || studentLayer == null || studentLayer.isBlank()) {
            throw new IllegalArgumentException("a hint names a teacher layer and a student layer, got "
                    + teacherLayer + ":" + studentLayer);
        }
        if (teacherLayer.contains(",") || studentLayer.contains(",")) {
            throw new IllegalArgumentException("a layer name has no comma: " + teacherLayer + ":" + studentLayer);
        }
    }

    /**
     * Parses "teacherLayer:studentLayer[,teacherLayer:studentLayer...]".
     *
     * @param text the hints
     * @return the hints, in order
     * @throws IllegalArgumentException when an item is not of the form t:s
     */
    public static List<Hint> parse(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("no hint given: expected teacherLayer:studentLayer");
        }
        List<Hint> out = new ArrayList<>();
        for (String item : text.split(",", -1)) {
            String[] parts = item.trim().split(":", -1);
            if (parts.length != 2 || parts[0].isBlank() || parts[1].isBlank()) {
                throw new IllegalArgumentException("hint '" + item + "' is not teacherLayer:studentLayer");
            }
            out.add(new Hint(parts[0].trim(), parts[1].trim()));
        }
        return out;
    }

    @Override
    public String toString() {
        return teacherLayer + ":" + studentLayer;
    }
}
