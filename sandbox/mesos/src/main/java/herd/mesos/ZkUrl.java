package herd.mesos;

import java.nio.file.Files;
import java.nio.file.Path;

/** zookeeper::URL::parse, including its leniency: only the scheme is checked. */
public final class ZkUrl {
    public final String servers;
    public final String path;
    public final String credentials; // "user:pass" for digest auth, or null

    private ZkUrl(String servers, String path, String credentials) {
        this.servers = servers; this.path = path; this.credentials = credentials;
    }

    public static ZkUrl parse(String url) {
        String s = url.trim();
        if (!s.startsWith("zk://")) throw new IllegalArgumentException("Expecting 'zk://' at the beginning of the URL");
        s = s.substring(5);
        String path = "";
        int slash = s.indexOf('/');
        if (slash >= 0) { path = s.substring(slash); s = s.substring(0, slash); }
        if (path.isEmpty()) path = "/";
        if (path.length() > 1 && path.endsWith("/")) path = path.substring(0, path.length() - 1);
        int at = s.lastIndexOf('@');
        if (at >= 0) return new ZkUrl(s.substring(at + 1), path, s.substring(0, at));
        return new ZkUrl(s, path, null);
    }

    /** Flags of type "path or value": file:///x means "read the value from x". */
    public static String resolveValue(String value) {
        if (value != null && value.startsWith("file://")) {
            try {
                return Files.readString(Path.of(value.substring(7))).trim();
            } catch (Exception e) {
                throw new IllegalArgumentException("Failed to read '" + value.substring(7) + "': " + e.getMessage());
            }
        }
        return value;
    }

    public String child(String name) { return path.equals("/") ? "/" + name : path + "/" + name; }

    @Override public String toString() {
        return "zk://" + (credentials != null ? credentials + "@" : "") + servers + path;
    }
}
