package dev.torchslim.cli;

/**
 * A recipe that cannot run: the message names the recipe file and, where the fault is in one, the
 * step (1-based, with its kind) and the field. Found before any step runs; nothing is written.
 */
public final class RecipeException extends UsageException {
    private static final long serialVersionUID = 1L;
    /** The 1-based step at fault, 0 for the recipe's top level. */
    private final int step;
    /** The field at fault, or null. */
    private final String field;

    /**
     * A recipe error.
     *
     * @param message what is wrong, with the recipe file, step and field named
     * @param step the 1-based step, or 0 for the recipe's top level
     * @param field the field at fault, or null
     */
    public RecipeException(String message, int step, String field) {
        super(message);
        this.step = step;
        this.field = field;
    }

    /**
     * The step at fault.
     *
     * @return the 1-based step number, 0 for the recipe's top level
     */
    public int step() {
        return step;
    }

    /**
     * The field at fault.
     *
     * @return the field's name, or null when the fault is not one field's
     */
    public String field() {
        return field;
    }
}
