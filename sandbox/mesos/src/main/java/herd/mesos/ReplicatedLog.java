package herd.mesos;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The registry's replicated log (src/log/): one replica per master, persisted
 * in <work_dir>/replicated_log, found by peers through ephemeral sequential
 * znodes under <zk path>/log_replicas. The rules that matter to operators:
 * a fresh (EMPTY) ensemble auto-initializes only when ALL 2*quorum-1 replicas
 * are present (EMPTY -> STARTING -> VOTING); an EMPTY replica joining later
 * catches up from a quorum of VOTING ones; reads and writes need a quorum.
 */
public final class ReplicatedLog {
    public static final String EMPTY = "EMPTY", STARTING = "STARTING", VOTING = "VOTING";
    private static final String SRC = "recover.cpp:0";

    private final Path dir;
    private final int quorum;
    private final boolean autoInitialize;
    private final ZkGroup zk;       // null: standalone master, the only replica
    private final String replicasPath;
    private final String selfHostPort;
    private String status;
    private long version;
    private Map<String, Object> registry;
    private volatile int ensembleSize;
    private FileLock lock;

    public ReplicatedLog(String workDir, int quorum, boolean autoInitialize, ZkGroup zk, String replicasPath, String selfHostPort) {
        this.dir = Path.of(workDir, "replicated_log");
        this.quorum = quorum;
        this.autoInitialize = autoInitialize;
        this.zk = zk;
        this.replicasPath = replicasPath;
        this.selfHostPort = selfHostPort;
    }

    /** Opens the replica's storage; a second master on the same work_dir is refused like LevelDB does. */
    public synchronized void open() throws IOException {
        Files.createDirectories(dir);
        RandomAccessFile raf = new RandomAccessFile(dir.resolve("LOCK").toFile(), "rw");
        lock = raf.getChannel().tryLock();
        if (lock == null) {
            throw new IOException("IO error: lock " + dir.resolve("LOCK") + ": already held by process");
        }
        Path st = dir.resolve("status");
        status = Files.exists(st) ? Files.readString(st).trim() : EMPTY;
        Path reg = dir.resolve("registry.json");
        if (Files.exists(reg)) {
            Map<String, Object> m = Json.parseObject(Files.readString(reg));
            version = Json.num(m, "version", 0);
            @SuppressWarnings("unchecked") Map<String, Object> r = (Map<String, Object>) m.get("registry");
            registry = r;
        }
        Log.info("replica.cpp:0", "Replica recovered with log positions 0 -> " + version + " with 0 holes and 0 unlearned");
    }

    private void persist() {
        try {
            write(dir.resolve("registry.json"), Json.write(Json.obj("version", version, "registry", registry)));
            write(dir.resolve("status"), status + "\n");
        } catch (IOException e) {
            Log.fatal("replica.cpp:0", "Failed to persist replica state: " + e.getMessage());
        }
    }

    private static void write(Path p, String text) throws IOException {
        Path tmp = p.resolveSibling(p.getFileName() + ".tmp");
        Files.writeString(tmp, text, StandardCharsets.UTF_8);
        Files.move(tmp, p, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    public synchronized String status() { return status; }
    public boolean recovered() { return VOTING.equals(status()); }
    public int ensembleSize() { return ensembleSize; }
    public int quorum() { return quorum; }

    private synchronized void setStatus(String s) {
        if (!s.equals(status)) {
            Log.info("replica.cpp:0", "Persisted replica status to " + s);
            status = s;
            persist();
        }
    }

    /** Joins log_replicas with the replica's UPID, as the real Log does. */
    public void join() throws Exception {
        if (zk != null) zk.join(replicasPath, "", "log-replica(1)@" + selfHostPort);
    }

    /** Peer replicas (host:port of their masters), self included. */
    public List<String> peers() {
        List<String> out = new ArrayList<>();
        if (zk == null) {
            out.add(selfHostPort);
        } else {
            try {
                for (ZkGroup.Member m : zk.members(replicasPath, "")) {
                    int at = m.data.indexOf('@');
                    if (at >= 0) out.add(m.data.substring(at + 1));
                }
            } catch (Exception e) {
                return out;
            }
        }
        ensembleSize = out.size();
        return out;
    }

    // ---- replica side (served over HTTP to peers) ----

    public synchronized Map<String, Object> describe(boolean withData) {
        Map<String, Object> m = Json.obj("status", status, "version", version);
        if (withData) m.put("registry", registry);
        return m;
    }

    /** A write from the leading master's registrar; only VOTING replicas take part. */
    public synchronized boolean accept(long v, Map<String, Object> reg) {
        if (!VOTING.equals(status)) return false;
        if (v < version) return false;
        version = v;
        registry = reg;
        persist();
        return true;
    }

    // ---- coordinator side ----

    private Map<String, Object> ask(String peer, boolean withData) {
        if (peer.equals(selfHostPort)) return describe(withData);
        Http.Response r = Http.call("GET", peer, "/log-replica(1)/" + (withData ? "read" : "status"), null, 1000);
        if (r == null || r.status != 200) return null;
        try { return r.json(); } catch (Exception e) { return null; }
    }

    /** One round of the recover protocol for this replica. */
    public void recoverStep() {
        if (recovered()) { peers(); return; }
        List<String> peers = peers();
        int total = 2 * quorum - 1;
        int voting = 0, empty = 0, starting = 0;
        long best = -1; Map<String, Object> bestReg = null;
        for (String p : peers) {
            Map<String, Object> d = ask(p, true);
            if (d == null) continue;
            String s = Json.str(d, "status", EMPTY);
            if (VOTING.equals(s)) {
                voting++;
                long v = Json.num(d, "version", 0);
                if (v > best) {
                    best = v;
                    @SuppressWarnings("unchecked") Map<String, Object> r = (Map<String, Object>) d.get("registry");
                    bestReg = r;
                }
            } else if (STARTING.equals(s)) {
                starting++;
            } else {
                empty++;
            }
        }
        if (voting >= quorum) {
            synchronized (this) { version = Math.max(best, 0); registry = bestReg; }
            setStatus(VOTING);
            Log.info(SRC, "Recovery process caught up the replica from " + voting + " VOTING replicas");
            return;
        }
        if (!autoInitialize) return;
        if (empty + starting + voting == total && voting == 0 && STARTING.equals(status()) && empty == 0) {
            setStatus(VOTING);
            Log.info(SRC, "Initialized the replicated log: all " + total + " replicas are now VOTING");
        } else if (empty + starting + voting == total && starting + voting > 0 && STARTING.equals(status()) && empty == 0) {
            setStatus(VOTING);
        } else if (empty + starting == total && voting == 0 && EMPTY.equals(status())) {
            setStatus(STARTING);
        } else if (empty + starting + voting < total) {
            Log.info(SRC, "Received " + (empty + starting + voting) + " recover responses; waiting for all "
                    + total + " replicas to initialize the log (" + empty + " EMPTY, " + starting + " STARTING)");
        }
    }

    /** Quorum read of the registry; null when fewer than a quorum of VOTING replicas answer. */
    public Map<String, Object> quorumRead(long[] versionOut) {
        if (!recovered()) return null;
        int voting = 0; long best = -1; Map<String, Object> bestReg = null;
        for (String p : peers()) {
            Map<String, Object> d = ask(p, true);
            if (d == null || !VOTING.equals(d.get("status"))) continue;
            voting++;
            long v = Json.num(d, "version", 0);
            if (v > best) {
                best = v;
                @SuppressWarnings("unchecked") Map<String, Object> r = (Map<String, Object>) d.get("registry");
                bestReg = r;
            }
        }
        if (voting < quorum) return null;
        versionOut[0] = best;
        return bestReg == null ? Json.obj() : bestReg;
    }

    /** Quorum write; true when at least quorum replicas stored it. */
    public boolean quorumWrite(long v, Map<String, Object> reg) {
        int acks = 0;
        String body = Json.write(Json.obj("version", v, "registry", reg));
        for (String p : peers()) {
            if (p.equals(selfHostPort)) {
                if (accept(v, reg)) acks++;
                continue;
            }
            Http.Response r = Http.call("POST", p, "/log-replica(1)/write", body, 2000);
            if (r != null && r.status == 200) acks++;
        }
        return acks >= quorum;
    }
}
