package dev.torchslim.cli;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import picocli.CommandLine;
import picocli.CommandLine.MissingParameterException;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.OverwrittenOptionException;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * "--key value" options and "--flag" switches, each checked against what a command accepts.
 * picocli reads the command line; the values are then checked here, strictly (whole numbers,
 * ranges, each option once).
 */
public final class Args {
    private final Map<String, String> values = new HashMap<>();
    private final Set<String> flags = new HashSet<>();

    private Args() {}

    /**
     * Parses {@code --key value} options and {@code --switch}es.
     *
     * @param args the arguments after the command name
     * @param valued options that take a value (without "--")
     * @param switches options that take none
     * @return the parsed options
     * @throws UsageException for an unknown option, a missing value, an option given twice or a
     *     stray argument
     */
    public static Args parse(String[] args, Set<String> valued, Set<String> switches) {
        return parse(args, valued, switches, Set.of());
    }

    /**
     * As {@link #parse(String[], Set, Set)}, where the options in {@code repeatable} may be given
     * more than once: their values are joined with commas, in order.
     *
     * @param args the arguments after the command name
     * @param valued options that take a value (without "--"), the repeatable ones included
     * @param switches options that take none
     * @param repeatable valued options that may repeat
     * @return the parsed options
     * @throws UsageException as {@link #parse(String[], Set, Set)}
     */
    public static Args parse(String[] args, Set<String> valued, Set<String> switches, Set<String> repeatable) {
        // picocli tokenizes (--key value, --key=value, switches); every valued option is declared as a
        // list so that a repeat reaches the check below with both values, and a switch given twice is
        // picocli's OverwrittenOptionException.
        CommandSpec spec = CommandSpec.create();
        for (String key : valued) {
            spec.addOption(OptionSpec.builder("--" + key).arity("1").type(List.class).auxiliaryTypes(String.class)
                    .build());
        }
        for (String key : switches) {
            if (!valued.contains(key)) {
                spec.addOption(OptionSpec.builder("--" + key).arity("0").type(boolean.class).build());
            }
        }
        spec.parser().overwrittenOptionsAllowed(false);
        spec.parser().expandAtFiles(false); // "@name" is a value (a file name), never an argument file
        ParseResult parsed;
        try {
            parsed = new CommandLine(spec).parseArgs(args);
        } catch (UnmatchedArgumentException e) {
            String first = e.getUnmatched().isEmpty() ? "" : e.getUnmatched().get(0);
            if (first.startsWith("--")) {
                int eq = first.indexOf('=');
                throw new UsageException("unknown option " + (eq < 0 ? first : first.substring(0, eq)));
            }
            throw new UsageException("unexpected argument '" + first + "'");
        } catch (MissingParameterException e) {
            String key = e.getMissing().isEmpty() ? "?" : e.getMissing().get(0).paramLabel();
            if (!e.getMissing().isEmpty() && e.getMissing().get(0) instanceof OptionSpec o) {
                key = o.longestName();
            }
            throw new UsageException("option " + key + " needs a value");
        } catch (OverwrittenOptionException e) {
            String key = e.getOverwritten() instanceof OptionSpec o ? o.longestName() : "?";
            throw new UsageException("option " + key + " is given twice");
        } catch (ParameterException e) {
            throw new UsageException(e.getMessage());
        }
        Args a = new Args();
        for (OptionSpec o : parsed.matchedOptions()) {
            String key = o.longestName().substring(2);
            if (switches.contains(key) && !valued.contains(key)) {
                a.flags.add(key);
                continue;
            }
            List<String> values = o.getValue();
            if (values.size() > 1 && !repeatable.contains(key)) {
                throw new UsageException("option --" + key + " is given twice ('" + values.get(0) + "' and '"
                        + values.get(1) + "'); give it once");
            }
            a.values.put(key, String.join(",", values));
        }
        return a;
    }

    /**
     * Whether the switch {@code --key} was given.
     *
     * @param key the option name without "--"
     * @return true when present
     */
    public boolean flag(String key) {
        return flags.contains(key);
    }

    /**
     * The value of {@code --key}, or the fallback when it was not given.
     *
     * @param key the option name without "--"
     * @param fallback the value to return when absent
     * @return the value as written
     */
    public String get(String key, String fallback) {
        return values.getOrDefault(key, fallback);
    }

    /**
     * The value of a required option.
     *
     * @param key the option name without "--"
     * @return the value as written
     * @throws UsageException when the option is missing
     */
    public String require(String key) {
        String v = values.get(key);
        if (v == null) {
            throw new UsageException("option --" + key + " is required");
        }
        return v;
    }

    /**
     * An integer in min..max; "1.5", "1e3", "0x10" or anything else is a UsageException naming the range.
     *
     * @param key the option name without "--"
     * @param fallback the value when the option is absent
     * @param min the smallest value accepted
     * @param max the largest value accepted
     * @return the parsed value, or the fallback
     */
    public int intValue(String key, int fallback, int min, int max) {
        return (int) longValue(key, fallback, min, max);
    }

    /**
     * A whole number in min..max, written in decimal digits with an optional sign.
     *
     * @param key the option name without "--"
     * @param fallback the value when the option is absent
     * @param min the smallest value accepted
     * @param max the largest value accepted
     * @return the parsed value, or the fallback
     */
    public long longValue(String key, long fallback, long min, long max) {
        String v = values.get(key);
        if (v == null) {
            return fallback;
        }
        String range = min + ".." + max;
        if (!INTEGER.matcher(v).matches()) {
            throw new UsageException("--" + key + " must be an integer in " + range + ", got '" + v + "'");
        }
        long n;
        try {
            n = Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw new UsageException("--" + key + " must be in " + range + ", got " + v);
        }
        if (n < min || n > max) {
            throw new UsageException("--" + key + " must be in " + range + ", got " + v);
        }
        return n;
    }

    /**
     * A decimal number in [min, max] ("0.5", "5e-1"); NaN, infinities, hexadecimal and Java's
     * "1d"/"1f" suffixes are refused with the range in the message.
     *
     * @param key the option name without "--"
     * @param fallback the value when the option is absent
     * @param min the smallest value accepted
     * @param max the largest value accepted
     * @return the parsed value, or the fallback
     */
    public double doubleValue(String key, double fallback, double min, double max) {
        String v = values.get(key);
        if (v == null) {
            return fallback;
        }
        String range = "[" + plain(min) + ", " + plain(max) + "]";
        if (!DECIMAL.matcher(v).matches()) {
            throw new UsageException("--" + key + " must be a number in " + range + ", got '" + v + "'");
        }
        double d = Double.parseDouble(v);
        if (!(d >= min && d <= max)) {
            throw new UsageException("--" + key + " must be in " + range + ", got " + v);
        }
        return d;
    }

    private static String plain(double d) {
        return d == Math.rint(d) && Math.abs(d) < 1e15 ? Long.toString((long) d) : Double.toString(d);
    }

    private static final Pattern INTEGER = Pattern.compile("[+-]?[0-9]{1,30}");
    private static final Pattern DECIMAL =
            Pattern.compile("[+-]?([0-9]+\\.?[0-9]*|\\.[0-9]+)([eE][+-]?[0-9]{1,4})?");
}
