package herd.mesos;

/** Mesos (stout) duration syntax: "30secs", "1mins", "500ms", "1.5hrs". */
public final class Duration {
    private static final String[] UNITS = {"weeks", "days", "hrs", "mins", "secs", "ms", "us", "ns"};
    private static final double[] NANOS = {7 * 86400e9, 86400e9, 3600e9, 60e9, 1e9, 1e6, 1e3, 1};

    private Duration() {}

    /** Returns nanoseconds, or throws with stout's wording. */
    public static long parseNanos(String text) {
        String s = text.trim();
        int k = 0;
        while (k < s.length() && (Character.isDigit(s.charAt(k)) || s.charAt(k) == '.' || (k == 0 && s.charAt(k) == '-'))) k++;
        String num = s.substring(0, k);
        String unit = s.substring(k);
        double v;
        try {
            v = Double.parseDouble(num);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("Invalid duration '" + text + "'");
        }
        for (int u = 0; u < UNITS.length; u++) {
            if (UNITS[u].equals(unit)) return (long) (v * NANOS[u]);
        }
        throw new IllegalArgumentException("Unknown duration unit '" + unit + "'");
    }

    public static long parseMillis(String text) { return parseNanos(text) / 1_000_000L; }

    /** Formats like stout's operator<<, so error texts match ("1mins", "5secs"). */
    public static String format(long nanos) {
        for (int u = 0; u < UNITS.length; u++) {
            if (nanos >= NANOS[u] || u == UNITS.length - 1) {
                double v = nanos / NANOS[u];
                String n = (v == Math.rint(v)) ? Long.toString((long) v) : stripZeros(String.format("%.15g", v));
                return n + UNITS[u];
            }
        }
        return nanos + "ns";
    }

    private static String stripZeros(String s) {
        if (!s.contains(".")) return s;
        s = s.replaceAll("0+$", "");
        return s.endsWith(".") ? s.substring(0, s.length() - 1) : s;
    }
}
