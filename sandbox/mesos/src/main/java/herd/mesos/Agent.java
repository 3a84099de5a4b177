package herd.mesos;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * mesos-agent: detects the leading master (ZooKeeper or a fixed host:port),
 * registers, keeps its agent id across restarts under
 * <work_dir>/meta/slaves/latest, and re-registers whenever the leader changes.
 */
public final class Agent implements ZkGroup.Listener {
    static final String SRC = "slave.cpp:0";
    static final long HEARTBEAT_MS = 1000;

    final Flags flags;
    final String hostname;
    final String ip;
    final int port;
    final String pid;
    final double startTime = Common.now();
    final Map<String, Object> resources;
    final Map<String, Object> attributes;
    final Path metaDir;

    private ZkUrl zkUrl;
    private ZkGroup group;
    private String staticMaster;
    volatile String agentId = "";
    volatile Map<String, Object> master;       // detected leader's MasterInfo
    private volatile Map<String, Object> registeredWith;
    private final Object detectLock = new Object();

    private Agent(Flags flags, Map<String, Object> resources, Map<String, Object> attributes) {
        this.flags = flags;
        this.resources = resources;
        this.attributes = attributes;
        String bindIp = flags.get("ip");
        if (bindIp == null) bindIp = Net.resolve(Net.localHostname());
        this.ip = flags.get("advertise_ip") != null ? flags.get("advertise_ip") : bindIp;
        String host = flags.get("hostname");
        if (host == null) host = flags.bool("hostname_lookup") ? reverse(ip) : ip;
        this.hostname = host;
        this.port = (int) flags.integer("port");
        int pubPort = flags.get("advertise_port") != null ? Integer.parseInt(flags.get("advertise_port")) : port;
        this.pid = "slave(1)@" + ip + ":" + pubPort;
        this.metaDir = Path.of(flags.get("work_dir"), "meta");
    }

    private static String reverse(String ip) {
        try { return java.net.InetAddress.getByName(ip).getCanonicalHostName(); } catch (Exception e) { return ip; }
    }

    public static void main(String[] argv) throws Exception {
        // mesos-slave is the pre-1.0 name of the same binary; its messages say mesos-agent.
        Flags flags = Common.load(AgentFlags.create("mesos-agent"), argv, "mesos-agent");
        if (flags.get("master") == null && flags.get("master_detector") == null) {
            Log.exit("main.cpp:0", 1, "Missing required option `--master` or `--master_detector`");
        }
        if (flags.get("master") != null && flags.get("master_detector") != null) {
            Log.exit("main.cpp:0", 1, "Only one of `--master` or `--master_detector` should be specified");
        }
        String recover = flags.get("recover");
        if (!recover.equals("reconnect") && !recover.equals("cleanup")) {
            Log.exit(SRC, 1, "Unknown option for 'recover' flag " + recover + ". Please run the agent with '--help' to see the valid options");
        }
        String policy = flags.get("reconfiguration_policy");
        if (!policy.equals("equal") && !policy.equals("additive")) {
            System.err.println("Failed to load flag 'reconfiguration_policy': Unknown reconfiguration policy '" + policy
                    + "'\n\nSee `mesos-agent --help` for a list of supported flags.");
            System.exit(1);
        }
        try {
            Files.createDirectories(Path.of(flags.get("work_dir")));
        } catch (Exception e) {
            Log.fatal(SRC, "Failed to create agent work directory '" + flags.get("work_dir") + "'");
        }
        Map<String, Object> res = null;
        try {
            res = Resources.parse(flags.get("resources"), flags.get("work_dir"));
        } catch (IllegalArgumentException e) {
            Log.exit(SRC, 1, "Failed to determine agent resources: " + e.getMessage());
        }
        Map<String, Object> attrs = null;
        try {
            attrs = Resources.attributes(flags.get("attributes"));
        } catch (IllegalArgumentException e) {
            Log.fatal(SRC, e.getMessage());
        }
        new Agent(flags, res, attrs).run();
    }

    private void run() throws Exception {
        String m = flags.get("master") != null ? flags.get("master") : flags.get("master_detector");
        try {
            m = ZkUrl.resolveValue(m);
            if (m.startsWith("zk://")) {
                zkUrl = ZkUrl.parse(m);
                if (zkUrl.path.equals("/")) throw new IllegalArgumentException("Expecting a (chroot) path for ZooKeeper ('/' is not supported)");
            } else {
                String hp = m.startsWith("master@") ? m.substring(7) : m;
                if (!hp.matches("[^:/@\\s]+:\\d{1,5}")) throw new IllegalArgumentException("Failed to parse '" + m + "'");
                staticMaster = hp;
            }
        } catch (IllegalArgumentException e) {
            Log.exit("main.cpp:0", 1, "Failed to create a master detector: " + e.getMessage());
        }

        Http.serve(flags.get("ip"), port, new AgentHttp(this), SRC);
        Log.info(SRC, "Agent started on 1)@" + ip + ":" + port);
        Log.info(SRC, "Flags at startup: " + flagsLine());
        Log.info(SRC, "Agent resources: " + Resources.format(resources));
        Log.info(SRC, "Agent attributes: " + attributes);
        Log.info(SRC, "Agent hostname: " + hostname);
        recoverCheckpoint();
        Log.info(SRC, "Finished recovery");
        if (flags.get("recover").equals("cleanup")) {
            Log.info(SRC, "Agent is done with recovery in cleanup mode; exiting");
            Log.flush();
            System.exit(0);
        }

        if (zkUrl != null) {
            group = new ZkGroup(zkUrl, flags.millis("zk_session_timeout"), "group.cpp:0");
            group.start(this);
        }
        long next = System.currentTimeMillis();
        while (true) {
            try {
                tick();
            } catch (Exception e) {
                Log.warn(SRC, "Registration attempt failed: " + e);
            }
            next += HEARTBEAT_MS;
            long wait = next - System.currentTimeMillis();
            if (wait > 0) Thread.sleep(wait); else next = System.currentTimeMillis();
        }
    }

    private String flagsLine() {
        StringBuilder b = new StringBuilder();
        for (Map.Entry<String, Object> e : flags.asJson().entrySet()) b.append("--").append(e.getKey()).append("=\"").append(e.getValue()).append("\" ");
        return b.toString().trim();
    }

    // ---- checkpointed agent id ----

    private Map<String, Object> slaveInfo(String id) {
        return Json.obj("hostname", hostname, "port", port, "resources", resources, "attributes", attributes, "id", id);
    }

    /** Reads meta/slaves/latest and refuses incompatible changes as Slave::__recover does. */
    private void recoverCheckpoint() {
        Path latest = metaDir.resolve("slaves").resolve("latest");
        if (!Files.exists(latest)) return;
        try {
            Path target = Files.isSymbolicLink(latest) ? Files.readSymbolicLink(latest) : latest;
            String id = target.getFileName().toString();
            Path infoFile = metaDir.resolve("slaves").resolve(id).resolve("slave.info");
            if (Files.exists(infoFile)) {
                Map<String, Object> old = Json.parseObject(Files.readString(infoFile));
                String err = compatible(old, slaveInfo(id));
                if (err != null) {
                    Log.exit(SRC, 1, "Failed to perform recovery: Incompatible agent info detected. " + err + "\n"
                            + "------------------------------------------------------------\n"
                            + "Old agent info:\n" + Json.write(old) + "\n"
                            + "------------------------------------------------------------\n"
                            + "New agent info:\n" + Json.write(slaveInfo(id)) + "\n"
                            + "------------------------------------------------------------\n"
                            + "If recovery failed due to a change in configuration and you want to\n"
                            + "keep the current agent id, you might want to change the\n"
                            + "`--reconfiguration_policy` flag to a more permissive value.\n\n"
                            + "To restart this agent with a new agent id instead, do as follows:\n"
                            + "rm -f " + latest + "\n"
                            + "This ensures that the agent does not recover old live executors.\n");
                }
            }
            agentId = id;
            Log.info(SRC, "Recovering agent " + id);
        } catch (java.io.IOException e) {
            Log.exit(SRC, 1, "Failed to perform recovery: " + e.getMessage());
        }
    }

    /** The reconfiguration policy: "equal" needs identical info, "additive" allows growth only. */
    private String compatible(Map<String, Object> old, Map<String, Object> now) {
        if (!Objects.equals(old.get("hostname"), now.get("hostname"))) return "Hostname changed from " + old.get("hostname") + " to " + now.get("hostname");
        if (((Number) old.get("port")).longValue() != ((Number) now.get("port")).longValue()) return "Port changed from " + old.get("port") + " to " + now.get("port");
        Map<String, Object> oa = Master.castMap(old.get("attributes")), na = Master.castMap(now.get("attributes"));
        Map<String, Object> or = Master.castMap(old.get("resources")), nr = Master.castMap(now.get("resources"));
        if (flags.get("reconfiguration_policy").equals("equal")) {
            if (!Json.write(oa).equals(Json.write(na))) return "Attributes changed";
            if (!sameResources(or, nr)) return "Resources changed";
            return null;
        }
        for (Map.Entry<String, Object> e : oa.entrySet()) {
            if (!Objects.equals(String.valueOf(e.getValue()), String.valueOf(na.get(e.getKey())))) return "Attribute " + e.getKey() + " changed or removed";
        }
        for (Map.Entry<String, Object> e : or.entrySet()) {
            Object n = nr.get(e.getKey());
            if (n == null) return "Resource " + e.getKey() + " removed";
            if (e.getValue() instanceof Number && ((Number) n).doubleValue() < ((Number) e.getValue()).doubleValue()) return "Resource " + e.getKey() + " shrank";
        }
        return null;
    }

    private static boolean sameResources(Map<String, Object> a, Map<String, Object> b) {
        if (!a.keySet().equals(b.keySet())) return false;
        for (String k : a.keySet()) {
            Object x = a.get(k), y = b.get(k);
            if (x instanceof Number && y instanceof Number) {
                if (((Number) x).doubleValue() != ((Number) y).doubleValue()) return false;
            } else if (!String.valueOf(x).equals(String.valueOf(y))) {
                return false;
            }
        }
        return true;
    }

    private void checkpoint(String id) throws java.io.IOException {
        Path dir = metaDir.resolve("slaves").resolve(id);
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("slave.info"), Json.write(slaveInfo(id)));
        Path latest = metaDir.resolve("slaves").resolve("latest");
        Files.deleteIfExists(latest);
        Files.createSymbolicLink(latest, dir.toAbsolutePath());
    }

    // ---- master detection and registration ----

    @Override public void changed() { detect(); }

    @Override public void sessionLost(String why) {
        Log.warn("detector.cpp:0", "Lost connection to ZooKeeper (" + why + "); reconnecting");
        group.renew();
    }

    private void detect() {
        synchronized (detectLock) {
            Map<String, Object> found = null;
            if (staticMaster != null) {
                String[] hp = staticMaster.split(":");
                found = Json.obj("hostname", hp[0], "port", Long.parseLong(hp[1]), "pid", "master@" + staticMaster, "id", "");
            } else {
                try {
                    List<ZkGroup.Member> ms = group.members(zkUrl.path, "json.info_");
                    if (!ms.isEmpty()) found = Json.parseObject(ms.get(0).data);
                } catch (Exception e) {
                    return;
                }
            }
            Map<String, Object> old = master;
            if (old != null && found != null && Objects.equals(old.get("pid"), found.get("pid")) && Objects.equals(old.get("id"), found.get("id"))) return;
            if (old == null && found == null) return;
            master = found;
            registeredWith = null;
            if (found == null) {
                Log.info(SRC, "Lost leading master");
            } else {
                Log.info(SRC, "New master detected at " + found.get("pid"));
            }
        }
    }

    private String masterAddress(Map<String, Object> mi) {
        Map<String, Object> addr = Master.castMap(mi.get("address"));
        String pidStr = String.valueOf(mi.get("pid"));
        if (pidStr.contains("@")) return pidStr.substring(pidStr.indexOf('@') + 1);
        return addr.get("ip") + ":" + addr.get("port");
    }

    private void tick() throws Exception {
        detect();
        Map<String, Object> mi = master;
        if (mi == null) return;
        String addr = masterAddress(mi);
        if (registeredWith == mi) {
            Http.Response r = Http.call("POST", addr, "/master/mesos.internal.PongSlaveMessage",
                    Json.write(Json.obj("slave_id", agentId)), 2000);
            if (r != null && r.status == 404) {
                Log.info(SRC, "Master " + mi.get("pid") + " does not know this agent; re-registering");
                registeredWith = null;
            }
            if (r != null && r.status == 200) obeyShutdown(mi, r.json());
            return;
        }
        boolean re = !agentId.isEmpty();
        Map<String, Object> req = Json.obj("slave_id", agentId, "hostname", hostname, "port", port, "pid", pid,
                "resources", resources, "attributes", attributes, "version", Common.VERSION);
        Http.Response r = Http.call("POST", addr, "/master/mesos.internal." + (re ? "Reregister" : "Register") + "SlaveMessage",
                Json.write(req), 5000);
        if (r == null || r.status != 200) return; // Not (yet) the leader, or still recovering: retry.
        Map<String, Object> resp = r.json();
        obeyShutdown(mi, resp);
        String id = Json.str(resp, "slave_id", "");
        if (mi != master) return; // The leader changed while we were talking.
        if (re) {
            Log.info(SRC, "Re-registered with master " + mi.get("pid"));
        } else {
            agentId = id;
            checkpoint(id);
            Log.info(SRC, "Registered with master " + mi.get("pid") + "; given agent ID " + id);
        }
        registeredWith = mi;
    }

    /**
     * Slave::shutdown on a ShutdownMessage from the master (machine DOWN,
     * marked gone): no executors to wait for, so the agent terminates and
     * exits 0, as mesos-agent's main returns EXIT_SUCCESS.
     */
    private void obeyShutdown(Map<String, Object> mi, Map<String, Object> resp) {
        Object why = resp.get("shutdown");
        if (why == null) return;
        Log.info(SRC, "Agent asked to shut down by " + mi.get("pid") + " because '" + why + "'");
        Log.info(SRC, "Agent terminating");
        Log.flush();
        System.exit(0);
    }

    boolean registered() { return registeredWith != null && registeredWith == master; }

    List<Object> emptyList() { return new ArrayList<>(); }
}
