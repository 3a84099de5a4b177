// The host-to-host relay of herd's bring-up, run with the host's own JDK
// (`java Relay.java ...`, no build step), so a tarball the controller sent
// once reaches every host without SSH keys between hosts.
//
//   serve DIR PORT IDLE_SECONDS   serve DIR's tarballs over HTTP GET /NAME
//                                 until no request came for IDLE_SECONDS
//   fetch FILE SHA512 URL...      leave FILE holding the bytes whose sha512
//                                 is SHA512: kept when it already does, else
//                                 fetched from the first URL that serves
//                                 them (each tried twice), written under a
//                                 temporary name and moved into place only
//                                 once verified
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.InetSocketAddress;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;

public class Relay {
    // Only finished tarballs: a fetch in progress writes a dot-file.
    static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._+-]*\\.(tar\\.gz|tgz|tar)");

    public static void main(String[] args) throws Exception {
        if (args.length >= 3 && args[0].equals("serve")) {
            serve(Path.of(args[1]), Integer.parseInt(args[2]), args.length > 3 ? Long.parseLong(args[3]) : 300);
        } else if (args.length >= 4 && args[0].equals("fetch")) {
            String[] urls = new String[args.length - 3];
            System.arraycopy(args, 3, urls, 0, urls.length);
            System.exit(fetch(Path.of(args[1]), args[2].toLowerCase(), urls));
        } else {
            System.err.println("usage: Relay serve DIR PORT [IDLE_SECONDS] | fetch FILE SHA512 URL...");
            System.exit(2);
        }
    }

    static void serve(Path dir, int port, long idleSeconds) throws IOException {
        AtomicLong last = new AtomicLong(System.nanoTime());
        AtomicInteger busy = new AtomicInteger();
        HttpServer server = HttpServer.create(new InetSocketAddress(port), 64);
        server.createContext("/", ex -> {
            busy.incrementAndGet();
            try {
                answer(dir, ex);
            } finally {
                last.set(System.nanoTime());
                busy.decrementAndGet();
                ex.close();
            }
        });
        server.setExecutor(Executors.newFixedThreadPool(16));
        server.start();
        System.out.println("serving " + dir + " on port " + port);
        System.out.flush();
        // Nobody has to remember to stop it: it ends once idle.
        while (true) {
            try {
                Thread.sleep(1000);
            } catch (InterruptedException e) {
                break;
            }
            long idle = (System.nanoTime() - last.get()) / 1_000_000_000L;
            if (busy.get() == 0 && idle >= idleSeconds) {
                break;
            }
        }
        System.out.println("idle for " + idleSeconds + " s: stopping");
        server.stop(0);
        System.exit(0);
    }

    static void answer(Path dir, HttpExchange ex) throws IOException {
        String name = ex.getRequestURI().getPath().substring(1);
        Path file = dir.resolve(name);
        if (!ex.getRequestMethod().equals("GET") || !NAME.matcher(name).matches() || !Files.isRegularFile(file)) {
            ex.sendResponseHeaders(404, -1);
            return;
        }
        long size = Files.size(file);
        ex.getResponseHeaders().set("Content-Type", "application/octet-stream");
        ex.sendResponseHeaders(200, size);
        try (InputStream in = Files.newInputStream(file); OutputStream out = ex.getResponseBody()) {
            in.transferTo(out);
        }
    }

    static int fetch(Path file, String want, String[] urls) throws Exception {
        if (Files.isRegularFile(file) && want.equals(sha512(Files.newInputStream(file), null))) {
            System.out.println("kept " + file + " (sha512 verified)");
            return 0;
        }
        Path tmp = file.resolveSibling("." + file.getFileName() + ".herd-relay");
        for (String url : urls) {
            for (int attempt = 1; attempt <= 2; attempt++) {
                try {
                    HttpURLConnection c = (HttpURLConnection) new URL(url).openConnection();
                    c.setConnectTimeout(5000);
                    c.setReadTimeout(60000);
                    int status = c.getResponseCode();
                    if (status != 200) {
                        System.err.println("fetch " + attempt + " from " + url + ": HTTP " + status);
                        c.disconnect();
                        break;
                    }
                    AtomicLong bytes = new AtomicLong();
                    String got;
                    try (InputStream in = c.getInputStream(); OutputStream out = Files.newOutputStream(tmp)) {
                        got = sha512(in, new OutputStream() {
                            public void write(int b) throws IOException { out.write(b); bytes.incrementAndGet(); }
                            public void write(byte[] b, int off, int len) throws IOException { out.write(b, off, len); bytes.addAndGet(len); }
                        });
                    }
                    if (got.equals(want)) {
                        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                        System.out.println("fetched " + file.getFileName() + " from " + url + " (" + bytes.get() + " bytes, sha512 verified)");
                        return 0;
                    }
                    System.err.println("fetch " + attempt + " from " + url + ": received " + bytes.get() + " bytes with sha512 " + got + ", expected " + want);
                } catch (IOException e) {
                    // A parent that is down or failed: its own parent next.
                    System.err.println("fetch " + attempt + " from " + url + ": " + e);
                    break;
                } finally {
                    Files.deleteIfExists(tmp);
                }
            }
        }
        System.err.println("no relay source held " + file.getFileName() + " with sha512 " + want + " (tried " + String.join(", ", urls) + "): not keeping any copy");
        return 1;
    }

    static String sha512(InputStream in, OutputStream copy) throws Exception {
        MessageDigest md = MessageDigest.getInstance("SHA-512");
        byte[] buf = new byte[1 << 16];
        try (in) {
            for (int n; (n = in.read(buf)) > 0; ) {
                md.update(buf, 0, n);
                if (copy != null) {
                    copy.write(buf, 0, n);
                }
            }
        }
        return HexFormat.of().formatHex(md.digest());
    }
}
