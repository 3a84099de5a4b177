package herd.mesos;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * stout-style flag loading: MESOS_<FLAG> environment variables first, then
 * "--name=value" / "--name" / "--no-name" arguments, with stout's error texts
 * so that an operator sees the same refusal as from the real binaries.
 */
public final class Flags {
    public enum Type { STRING, BOOL, INT, DOUBLE, DURATION }

    private static final class Def {
        final Type type; final String dflt; final boolean required; final String help;
        Def(Type type, String dflt, boolean required, String help) {
            this.type = type; this.dflt = dflt; this.required = required; this.help = help;
        }
    }

    private final String program;
    private final Map<String, Def> defs = new LinkedHashMap<>();
    private final Map<String, String> values = new LinkedHashMap<>();
    private final List<String> warnings = new ArrayList<>();

    public Flags(String program) { this.program = program; }

    public Flags def(String name, Type type, String dflt, String help) {
        defs.put(name, new Def(type, dflt, false, help));
        return this;
    }

    public Flags required(String name, Type type, String help) {
        defs.put(name, new Def(type, null, true, help));
        return this;
    }

    public String program() { return program; }

    /** Throws IllegalArgumentException carrying stout's message. */
    public void load(Map<String, String> env, String[] argv) {
        Map<String, String> fromEnv = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : env.entrySet()) {
            if (!e.getKey().startsWith("MESOS_")) continue;
            String name = e.getKey().substring(6).toLowerCase(Locale.ROOT);
            // stout skips unknown environment flags: MESOS_NATIVE_JAVA_LIBRARY and
            // friends are commonly exported for other tools.
            if (defs.containsKey(name)) fromEnv.put(name, e.getValue());
        }
        Map<String, String> fromArgs = new LinkedHashMap<>();
        for (String arg : argv) {
            if (arg.equals("--")) break;
            if (!arg.startsWith("--")) continue;
            String body = arg.substring(2);
            String name; String value = null;
            int eq = body.indexOf('=');
            if (eq >= 0) { name = body.substring(0, eq); value = body.substring(eq + 1); } else { name = body; }
            if (fromArgs.containsKey(name) || (name.startsWith("no-") && fromArgs.containsKey(name.substring(3)))) {
                throw new IllegalArgumentException("Duplicate flag '" + name + "' on command line");
            }
            Def d = defs.get(name);
            if (d == null && value == null && name.startsWith("no-")) {
                String base = name.substring(3);
                Def bd = defs.get(base);
                if (bd == null) throw new IllegalArgumentException("Failed to load unknown flag '" + base + "' via '" + name + "'");
                if (bd.type != Type.BOOL) throw new IllegalArgumentException("Failed to load non-boolean flag '" + base + "' via '" + name + "'");
                fromArgs.put(base, "false");
                continue;
            }
            if (d == null) throw new IllegalArgumentException("Failed to load unknown flag '" + name + "'");
            if (value == null) {
                if (d.type != Type.BOOL) throw new IllegalArgumentException("Failed to load non-boolean flag '" + name + "': Missing value");
                value = "true";
            }
            fromArgs.put(name, value);
        }
        Map<String, String> merged = new LinkedHashMap<>(fromEnv);
        merged.putAll(fromArgs);
        for (Map.Entry<String, String> e : merged.entrySet()) {
            String name = e.getKey();
            String v = e.getValue();
            check(name, defs.get(name).type, v);
            values.put(name, v);
        }
        for (Map.Entry<String, Def> e : defs.entrySet()) {
            if (e.getValue().required && !values.containsKey(e.getKey())) {
                throw new IllegalArgumentException("Flag '" + e.getKey() + "' is required, but it was not provided");
            }
        }
    }

    private static void check(String name, Type t, String v) {
        String prefix = "Failed to load flag '" + name + "': Failed to load value '" + v + "': ";
        try {
            switch (t) {
                case BOOL:
                    if (!v.equals("true") && !v.equals("false") && !v.equals("1") && !v.equals("0")) {
                        throw new IllegalArgumentException("Expecting a boolean (e.g., true or false)");
                    }
                    break;
                case INT:
                    Long.parseLong(v.trim());
                    break;
                case DOUBLE:
                    Double.parseDouble(v.trim());
                    break;
                case DURATION:
                    Duration.parseNanos(v);
                    break;
                default:
            }
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(prefix + "Failed to convert into required type");
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(prefix + e.getMessage());
        }
    }

    public boolean has(String name) { return values.containsKey(name); }

    public String get(String name) {
        String v = values.get(name);
        return v != null ? v : defs.get(name).dflt;
    }

    public boolean bool(String name) {
        String v = get(name);
        return "true".equals(v) || "1".equals(v);
    }

    public long integer(String name) { return Long.parseLong(get(name).trim()); }

    public long millis(String name) { return Duration.parseMillis(get(name)); }

    public long nanos(String name) { return Duration.parseNanos(get(name)); }

    /** The flags map shown by /state: every flag with a value, stringified. */
    public Map<String, Object> asJson() {
        Map<String, Object> m = new java.util.TreeMap<>();
        for (String name : defs.keySet()) {
            String v = get(name);
            if (v != null) m.put(name, v);
        }
        return m;
    }

    public String usage() {
        StringBuilder b = new StringBuilder("Usage: " + program + " [options]\n\n");
        for (Map.Entry<String, Def> e : defs.entrySet()) {
            Def d = e.getValue();
            String n = d.type == Type.BOOL ? "--[no-]" + e.getKey() : "--" + e.getKey() + "=VALUE";
            b.append(String.format("  %-45s %s", n, d.help == null ? "" : d.help));
            if (d.dflt != null) b.append(" (default: ").append(d.dflt).append(')');
            b.append('\n');
        }
        return b.toString();
    }

    public List<String> warnings() { return warnings; }
}
