package dev.torchslim.prune;

/** Argument checks shared by the strategies. */
final class Amounts {
    private Amounts() {}

    static void check(double amount) {
        if (!(amount >= 0.0 && amount <= 1.0)) {
            throw new IllegalArgumentException("amount must be a fraction in [0, 1], got " + amount);
        }
    }
}
