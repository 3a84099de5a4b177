package herd.mesos;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The leading master's registry (src/master/registrar.cpp): admitted agents and
 * unreachable ones, read from and written to the replicated log. It is what
 * lets a newly elected master know the agents of its predecessor.
 */
public final class Registrar {
    private static final String SRC = "registrar.cpp:0";
    private final ReplicatedLog log; // null for --registry=in_memory
    private final long fetchTimeoutNanos;
    private final long storeTimeoutNanos;
    private long version;
    private Map<String, Object> registry = Json.obj("slaves", new ArrayList<>(), "unreachable", new ArrayList<>());

    public Registrar(ReplicatedLog log, long fetchTimeoutNanos, long storeTimeoutNanos) {
        this.log = log; this.fetchTimeoutNanos = fetchTimeoutNanos; this.storeTimeoutNanos = storeTimeoutNanos;
    }

    /** Blocks until fetched; aborts the process like Master::fail when the fetch times out. */
    public void recover(Map<String, Object> masterInfo) {
        Log.info(SRC, "Recovering registrar");
        if (log != null) {
            long deadline = System.nanoTime() + fetchTimeoutNanos;
            Map<String, Object> got = null;
            long[] v = new long[1];
            while (true) {
                got = log.quorumRead(v);
                if (got != null) break;
                if (System.nanoTime() > deadline) {
                    Log.fatal("master.cpp:1659", "Recovery failed: Failed to recover registrar: Failed to perform fetch within "
                            + Duration.format(fetchTimeoutNanos));
                }
                sleep(500);
            }
            synchronized (this) {
                version = Math.max(v[0], 0);
                if (got.containsKey("slaves")) registry = got;
            }
            Log.info(SRC, "Successfully fetched the registry (" + Json.write(registry).length() + "B)");
        }
        apply(r -> r.put("master", Json.obj("info", masterInfo)));
        Log.info(SRC, "Successfully recovered registrar");
    }

    @SuppressWarnings("unchecked")
    public synchronized List<Map<String, Object>> agents() {
        return new ArrayList<>((List<Map<String, Object>>) registry.get("slaves"));
    }

    @SuppressWarnings("unchecked")
    public synchronized List<Map<String, Object>> unreachable() {
        return new ArrayList<>((List<Map<String, Object>>) registry.getOrDefault("unreachable", new ArrayList<>()));
    }

    /** A top-level registry entry (a copy), or null. */
    public synchronized Object get(String key) {
        Object v = registry.get(key);
        return v == null ? null : Json.parse(Json.write(v));
    }

    /** Applies an operation and stores it with a quorum, or aborts as the real registrar does. */
    public synchronized void apply(Consumer<Map<String, Object>> op) {
        Map<String, Object> next = Json.parseObject(Json.write(registry));
        next.putIfAbsent("unreachable", new ArrayList<>());
        op.accept(next);
        if (log != null) {
            long deadline = System.nanoTime() + storeTimeoutNanos;
            while (!log.quorumWrite(version + 1, next)) {
                if (System.nanoTime() > deadline) {
                    Log.fatal("master.cpp:0", "Registrar failure: Failed to update registry: Failed to perform store within "
                            + Duration.format(storeTimeoutNanos));
                }
                sleep(500);
            }
        }
        version++;
        registry = next;
    }

    @SuppressWarnings("unchecked")
    public void admit(Map<String, Object> agentInfo) {
        String id = (String) agentInfo.get("id");
        apply(r -> {
            List<Object> slaves = (List<Object>) r.get("slaves");
            slaves.removeIf(s -> id.equals(((Map<String, Object>) s).get("id")));
            slaves.add(new LinkedHashMap<>(agentInfo));
            ((List<Object>) r.get("unreachable")).removeIf(s -> id.equals(((Map<String, Object>) s).get("id")));
        });
    }

    @SuppressWarnings("unchecked")
    public void remove(String id) {
        apply(r -> ((List<Object>) r.get("slaves")).removeIf(s -> id.equals(((Map<String, Object>) s).get("id"))));
    }

    @SuppressWarnings("unchecked")
    public void markUnreachable(String id, double time) {
        apply(r -> {
            ((List<Object>) r.get("slaves")).removeIf(s -> id.equals(((Map<String, Object>) s).get("id")));
            List<Object> u = (List<Object>) r.get("unreachable");
            u.removeIf(s -> id.equals(((Map<String, Object>) s).get("id")));
            u.add(Json.obj("id", id, "timestamp", time));
        });
    }

    static void sleep(long ms) {
        try { Thread.sleep(ms); } catch (InterruptedException e) { Thread.currentThread().interrupt(); }
    }
}
