package herd.mesos;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.BindException;
import java.net.HttpURLConnection;
import java.net.InetSocketAddress;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.Executors;

/** HTTP plumbing shared by masters and agents (libprocess stands in here). */
public final class Http {
    private Http() {}

    public static final class Response {
        public final int status; public final String body; public final String location;
        public Response(int status, String body, String location) {
            this.status = status; this.body = body; this.location = location;
        }
        public Map<String, Object> json() { return Json.parseObject(body); }
    }

    public static final class Reply {
        final int status; final String body; final String type; final String location;
        Reply(int status, String body, String type, String location) {
            this.status = status; this.body = body; this.type = type; this.location = location;
        }
        public static Reply ok() { return new Reply(200, "", null, null); }
        public static Reply json(Object o) { return new Reply(200, Json.write(o), "application/json", null); }
        public static Reply text(int status, String body) { return new Reply(status, body, "text/plain; charset=utf-8", null); }
        public static Reply redirect(String location) { return new Reply(307, "", null, location); }
        public static Reply notFound() { return new Reply(404, "", null, null); }
    }

    public interface Handler { Reply handle(String method, String path, String body) throws Exception; }

    /** Binds like libprocess: a failed bind is fatal with libprocess' wording. */
    public static HttpServer serve(String ip, int port, Handler h, String source) {
        HttpServer server;
        String bindIp = ip == null ? "0.0.0.0" : ip;
        try {
            server = HttpServer.create(new InetSocketAddress(bindIp, port), 64);
        } catch (BindException e) {
            Log.fatal(source, "Failed to initialize: Failed to bind on " + bindIp + ":" + port
                    + ": Address already in use: Address already in use [98]");
            return null;
        } catch (IOException e) {
            Log.fatal(source, "Failed to initialize: Failed to bind on " + bindIp + ":" + port + ": " + e.getMessage());
            return null;
        }
        server.setExecutor(Executors.newFixedThreadPool(4, r -> {
            Thread t = new Thread(r, "http");
            t.setDaemon(true);
            return t;
        }));
        server.createContext("/", ex -> dispatch(ex, h, source));
        server.start();
        return server;
    }

    private static void dispatch(HttpExchange ex, Handler h, String source) throws IOException {
        Reply r;
        try {
            String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            r = h.handle(ex.getRequestMethod(), ex.getRequestURI().getPath(), body);
        } catch (Exception e) {
            r = Reply.text(500, String.valueOf(e.getMessage()));
        }
        byte[] out = r.body.getBytes(StandardCharsets.UTF_8);
        if (r.type != null) ex.getResponseHeaders().set("Content-Type", r.type);
        if (r.location != null) ex.getResponseHeaders().set("Location", r.location);
        ex.sendResponseHeaders(r.status, out.length == 0 ? -1 : out.length);
        if (out.length > 0) {
            try (OutputStream os = ex.getResponseBody()) { os.write(out); }
        }
        ex.close();
    }

    /** A request that never follows redirects; returns null when the peer is unreachable. */
    public static Response call(String method, String hostPort, String path, String body, int timeoutMs) {
        HttpURLConnection c = null;
        try {
            c = (HttpURLConnection) new URL("http://" + hostPort + path).openConnection();
            c.setInstanceFollowRedirects(false);
            c.setConnectTimeout(timeoutMs);
            c.setReadTimeout(timeoutMs);
            c.setRequestMethod(method);
            if (body != null) {
                c.setDoOutput(true);
                c.setRequestProperty("Content-Type", "application/json");
                try (OutputStream os = c.getOutputStream()) { os.write(body.getBytes(StandardCharsets.UTF_8)); }
            }
            int code = c.getResponseCode();
            InputStream in = code >= 400 ? c.getErrorStream() : c.getInputStream();
            String text = "";
            if (in != null) {
                ByteArrayOutputStream bo = new ByteArrayOutputStream();
                in.transferTo(bo);
                text = bo.toString(StandardCharsets.UTF_8);
                in.close();
            }
            return new Response(code, text, c.getHeaderField("Location"));
        } catch (IOException e) {
            return null;
        } finally {
            if (c != null) c.disconnect();
        }
    }
}
