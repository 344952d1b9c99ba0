package dev.torchslim.cli;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/** "--key value" options and "--flag" switches, each checked against what a command accepts. */
public final class Args {
    private final Map<String, String> values = new HashMap<>();
    private final Set<String> flags = new HashSet<>();

    private Args() {}

    /**
     * @param valued options that take a value (without "--")
     * @param switches options that take none
     */
    public static Args parse(String[] args, Set<String> valued, Set<String> switches) {
        Args a = new Args();
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (!arg.startsWith("--")) {
                throw new UsageException("unexpected argument '" + arg + "'");
            }
            String key = arg.substring(2);
            String inline = null;
            int eq = key.indexOf('=');
            if (eq >= 0) {
                inline = key.substring(eq + 1);
                key = key.substring(0, eq);
            }
            if (switches.contains(key) && inline == null) {
                a.flags.add(key);
            } else if (valued.contains(key)) {
                String v = inline;
                if (v == null) {
                    if (i + 1 >= args.length) {
                        throw new UsageException("option --" + key + " needs a value");
                    }
                    v = args[++i];
                }
                a.values.put(key, v);
            } else {
                throw new UsageException("unknown option --" + key);
            }
        }
        return a;
    }

    public boolean flag(String key) {
        return flags.contains(key);
    }

    public String get(String key, String fallback) {
        return values.getOrDefault(key, fallback);
    }

    public String require(String key) {
        String v = values.get(key);
        if (v == null) {
            throw new UsageException("option --" + key + " is required");
        }
        return v;
    }

    public int intValue(String key, int fallback, int min, int max) {
        String v = values.get(key);
        if (v == null) {
            return fallback;
        }
        int n;
        try {
            n = Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new UsageException("--" + key + " must be an integer, got '" + v + "'");
        }
        if (n < min || n > max) {
            throw new UsageException("--" + key + " must be in " + min + ".." + max + ", got " + n);
        }
        return n;
    }

    public double doubleValue(String key, double fallback, double min, double max) {
        String v = values.get(key);
        if (v == null) {
            return fallback;
        }
        double d;
        try {
            d = Double.parseDouble(v);
        } catch (NumberFormatException e) {
            throw new UsageException("--" + key + " must be a number, got '" + v + "'");
        }
        if (!(d >= min && d <= max)) {
            throw new UsageException("--" + key + " must be in [" + min + ", " + max + "], got " + v);
        }
        return d;
    }
}
