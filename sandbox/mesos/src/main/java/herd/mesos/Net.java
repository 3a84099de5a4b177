package herd.mesos;

import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;

/** Host identity the way libprocess derives it: hostname, then its address. */
public final class Net {
    private Net() {}

    public static String localHostname() {
        try {
            String h = Files.readString(Path.of("/proc/sys/kernel/hostname")).trim();
            if (!h.isEmpty()) return h;
        } catch (Exception ignored) { }
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (Exception e) {
            return "localhost";
        }
    }

    /** The address the hostname resolves to (libprocess' default LIBPROCESS_IP). */
    public static String resolve(String host) {
        try {
            return InetAddress.getByName(host).getHostAddress();
        } catch (Exception e) {
            return "127.0.0.1";
        }
    }

    /** MasterInfo.ip is the in_addr s_addr read as a host integer (network order bytes). */
    public static long ipAsUint32(String ip) {
        String[] p = ip.split("\\.");
        if (p.length != 4) return 0;
        long v = 0;
        for (int k = 3; k >= 0; k--) v = (v << 8) | (Long.parseLong(p[k]) & 0xff);
        return v;
    }

    public static boolean isIPv4(String s) {
        return s.matches("\\d{1,3}(\\.\\d{1,3}){3}");
    }
}
