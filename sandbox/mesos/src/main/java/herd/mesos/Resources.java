package herd.mesos;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Agent resources from --resources ("cpus:4;mem:8192;ports:[31000-32000]",
 * with optional "(role)"), parsed with Mesos' rules and error texts, plus the
 * auto-detected defaults for whatever the flag leaves out.
 */
public final class Resources {
    private Resources() {}

    /** name -> Double (scalar) or String ("[a-b,...]" ranges, "{x,y}" sets). */
    public static Map<String, Object> parse(String text, String workDir) {
        Map<String, Object> out = new LinkedHashMap<>();
        if (text != null && !text.trim().isEmpty()) {
            String t = ZkUrl.resolveValue(text.trim());
            if (t.startsWith("[")) {
                parseJson(t, out);
            } else {
                for (String token : t.split(";")) {
                    if (token.isEmpty()) continue;
                    String[] pair = tokenize(token, ':');
                    if (pair.length != 2) throw new IllegalArgumentException("Bad value for resources, missing or extra ':' in " + token);
                    String name = pair[0];
                    int open = name.indexOf('(');
                    if (open >= 0) {
                        int close = name.indexOf(')');
                        if (close < 0 || close < open) throw new IllegalArgumentException("Bad value for resources, mismatched parentheses in " + token);
                        name = name.substring(0, open);
                    }
                    add(out, name.trim(), pair[1]);
                }
            }
        }
        defaults(out, workDir);
        return out;
    }

    private static String[] tokenize(String s, char sep) {
        List<String> l = new ArrayList<>();
        for (String p : s.split(java.util.regex.Pattern.quote(String.valueOf(sep)))) if (!p.isEmpty()) l.add(p);
        return l.toArray(new String[0]);
    }

    private static void add(Map<String, Object> out, String name, String value) {
        String v = value.replace(" ", "");
        if (v.isEmpty()) throw new IllegalArgumentException("Failed to parse resource " + name + " value " + value + " error Expecting non-empty string");
        if (!balanced(v, '[', ']') || !balanced(v, '{', '}') || !balanced(v, '(', ')')) {
            throw new IllegalArgumentException("Failed to parse resource " + name + " value " + value + " error Mismatched brackets");
        }
        if (v.startsWith("[")) {
            String[] toks = v.split("[\\[\\]\\-,\\n]");
            List<String> nums = new ArrayList<>();
            for (String x : toks) if (!x.isEmpty()) nums.add(x);
            if (nums.size() % 2 != 0) throw new IllegalArgumentException("Failed to parse resource " + name + " value " + value + " error Expecting one or more \"ranges\"");
            for (String n : nums) {
                if (!n.matches("\\d+")) throw new IllegalArgumentException("Failed to parse resource " + name + " value " + value + " error Expecting non-negative integers in '" + n + "'");
            }
            Object prev = out.get(name);
            if (prev != null && !(prev instanceof String)) throw new IllegalArgumentException("Resources with the same name ('" + name + "') but different types are not allowed");
            String merged = prev == null ? v : ((String) prev).replace("]", "") + "," + v.substring(1);
            out.put(name, merged);
        } else if (v.startsWith("{")) {
            out.put(name, v);
        } else if (v.contains("[") || v.contains("{")) {
            throw new IllegalArgumentException("Failed to parse resource " + name + " value " + value + " error Unexpected '" + (v.contains("[") ? "[" : "{") + "' found");
        } else {
            double d;
            try {
                d = Double.parseDouble(v);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("Bad type for resource " + name + " value " + value + " type TEXT");
            }
            if (d < 0 || Double.isNaN(d) || Double.isInfinite(d)) {
                throw new IllegalArgumentException("Invalid scalar resource " + name + ":" + value + ": value must be a finite non-negative number");
            }
            Object prev = out.get(name);
            if (prev != null && !(prev instanceof Double)) throw new IllegalArgumentException("Resources with the same name ('" + name + "') but different types are not allowed");
            out.put(name, (prev == null ? 0.0 : (Double) prev) + d);
        }
    }

    private static boolean balanced(String s, char o, char c) {
        int depth = 0;
        for (char ch : s.toCharArray()) {
            if (ch == o) depth++;
            if (ch == c && --depth < 0) return false;
        }
        return depth == 0;
    }

    @SuppressWarnings("unchecked")
    private static void parseJson(String text, Map<String, Object> out) {
        Object o;
        try { o = Json.parse(text); } catch (Exception e) { throw new IllegalArgumentException("Failed to parse JSON resources: " + e.getMessage()); }
        for (Object e : (List<Object>) o) {
            Map<String, Object> r = (Map<String, Object>) e;
            String name = (String) r.get("name");
            if (r.get("scalar") instanceof Map) {
                add(out, name, String.valueOf(((Map<String, Object>) r.get("scalar")).get("value")));
            } else if (r.get("ranges") instanceof Map) {
                StringBuilder b = new StringBuilder("[");
                for (Object rr : (List<Object>) ((Map<String, Object>) r.get("ranges")).get("range")) {
                    Map<String, Object> m = (Map<String, Object>) rr;
                    if (b.length() > 1) b.append(',');
                    b.append(Json.num(m, "begin", 0)).append('-').append(Json.num(m, "end", 0));
                }
                add(out, name, b.append(']').toString());
            }
        }
    }

    /** Mesos' auto-detection for resources the flag did not mention. */
    private static void defaults(Map<String, Object> out, String workDir) {
        out.putIfAbsent("cpus", (double) Runtime.getRuntime().availableProcessors());
        if (!out.containsKey("mem")) {
            long totalMb = memTotalMb();
            out.put("mem", (double) (totalMb >= 2048 ? totalMb - 1024 : totalMb / 2));
        }
        if (!out.containsKey("disk")) {
            long freeMb = new File(workDir).getTotalSpace() / (1024 * 1024);
            out.put("disk", (double) (freeMb >= 10240 ? freeMb - 5120 : freeMb / 2));
        }
        out.putIfAbsent("ports", "[31000-32000]");
        // Keep Mesos' ordering in /state: disk, mem, gpus, cpus, ports, then the rest.
        Map<String, Object> sorted = new LinkedHashMap<>();
        for (String k : new String[] {"disk", "mem", "gpus", "cpus", "ports"}) if (out.containsKey(k)) sorted.put(k, out.get(k));
        sorted.putAll(out);
        out.clear();
        out.putAll(sorted);
    }

    private static long memTotalMb() {
        try {
            for (String l : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (l.startsWith("MemTotal:")) return Long.parseLong(l.replaceAll("\\D", "")) / 1024;
            }
        } catch (Exception ignored) { }
        return 1024;
    }

    /** "cpus:40; mem:112640; disk:...; ports:[31000-32000]" as Mesos logs resources. */
    public static String format(Map<String, Object> r) {
        StringBuilder b = new StringBuilder();
        for (Map.Entry<String, Object> e : r.entrySet()) {
            if (b.length() > 0) b.append("; ");
            Object v = e.getValue();
            String s = v instanceof Double && (Double) v == Math.rint((Double) v) ? Long.toString(((Double) v).longValue()) : String.valueOf(v);
            b.append(e.getKey()).append(':').append(s);
        }
        return b.toString();
    }

    /** --attributes="rack:2;u:1": numbers stay numbers in /state, like Mesos. */
    public static Map<String, Object> attributes(String text) {
        Map<String, Object> out = new LinkedHashMap<>();
        if (text == null || text.isEmpty()) return out;
        for (String token : text.split(";")) {
            if (token.isEmpty()) continue;
            int c = token.indexOf(':');
            if (c < 0) throw new IllegalArgumentException("Invalid attribute key:value pair '" + token + "'");
            String k = token.substring(0, c).trim();
            String v = token.substring(c + 1).trim();
            Object val = v;
            try { val = Double.parseDouble(v); } catch (NumberFormatException ignored) { }
            out.put(k, val);
        }
        return out;
    }
}
