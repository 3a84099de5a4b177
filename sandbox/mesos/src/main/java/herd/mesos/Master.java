package herd.mesos;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * mesos-master: contends for leadership in ZooKeeper, runs a replicated-log
 * replica, and once elected recovers the registry and tracks agents.
 */
public final class Master implements ZkGroup.Listener {
    static final String SRC = "master.cpp:0";
    /** How long without a heartbeat before a connected agent counts as disconnected. */
    static final long DISCONNECT_MS = 5000;

    final Flags flags;
    final String id = UUID.randomUUID().toString();
    final String hostname;
    final String ip;
    final int port;
    final String pid;
    final double startTime = Common.now();
    final Map<String, Object> info;

    private ZkGroup group;
    private ZkUrl zkUrl;
    private volatile String myZnode;
    private volatile boolean replicaJoined;
    private volatile Map<String, Object> leader;
    private volatile boolean elected;
    private volatile double electedTime;
    private volatile boolean recovered;
    ReplicatedLog log;
    Registrar registrar;
    private int nextAgentId;

    /** Agents that (re-)registered with this master. */
    final Map<String, AgentRecord> agents = new LinkedHashMap<>();
    /** Agents known from the registry that have not re-registered yet. */
    final Map<String, Map<String, Object>> recoveredAgents = new LinkedHashMap<>();
    final Map<String, Double> unreachable = new LinkedHashMap<>();
    private double recoveredAt;
    /** The maintenance schedule and machine modes; persisted in the registry. */
    final Maintenance maintenance = new Maintenance();
    /** Agents deactivated by an operator (DEACTIVATE_AGENT, DRAIN_AGENT); persisted. */
    final java.util.Set<String> deactivated = new java.util.LinkedHashSet<>();
    /** Agent id -> DrainInfo; persisted. */
    final Map<String, Map<String, Object>> draining = new LinkedHashMap<>();
    /** Agents marked gone after a drain with mark_gone: never admitted again; persisted. */
    final java.util.Set<String> gone = new java.util.LinkedHashSet<>();
    /** Agent id -> the ShutdownMessage its next heartbeat receives (removed agents). */
    final Map<String, String> shutdowns = new LinkedHashMap<>();

    static final class AgentRecord {
        Map<String, Object> info;
        double registeredTime;
        Double reregisteredTime;
        volatile long lastPingMs;
        /** Connected: heartbeats arrive (operator deactivation is Master.deactivated). */
        boolean active = true;
        Double drainStart;

        Map<String, Object> machine() {
            return Maintenance.machineOf(String.valueOf(info.get("hostname")), String.valueOf(info.get("pid")));
        }
    }

    /** Slave::active: connected and not deactivated by an operator. */
    synchronized boolean active(String agentId, AgentRecord r) { return r.active && !deactivated.contains(agentId); }

    private final Object persistLock = new Object();

    /**
     * Writes the maintenance state and the agents' operator states to the
     * registry. Snapshot and store happen under one lock, so the last
     * caller's snapshot (the newest state) is the one that stays stored.
     */
    void persist() {
        synchronized (persistLock) {
            Map<String, Object> mt;
            List<Object> dea, gn;
            Map<String, Object> dr;
            synchronized (this) {
                mt = maintenance.toRegistry();
                dea = new ArrayList<>(deactivated);
                gn = new ArrayList<>(gone);
                dr = Json.parseObject(Json.write(draining));
            }
            registrar.apply(r -> {
                r.put("maintenance", mt);
                r.put("agent_states", Json.obj("deactivated", dea, "draining", dr, "gone", gn));
            });
        }
    }

    private synchronized void loadOperatorState(Map<String, Object> mt, Map<String, Object> states) {
        maintenance.fromRegistry(mt);
        Object d = states.get("deactivated");
        if (d instanceof List) for (Object x : (List<?>) d) deactivated.add(String.valueOf(x));
        Object g = states.get("gone");
        if (g instanceof List) for (Object x : (List<?>) g) gone.add(String.valueOf(x));
        Map<String, Object> dr = castMap(states.get("draining"));
        for (Map.Entry<String, Object> e : dr.entrySet()) draining.put(e.getKey(), castMap(e.getValue()));
    }

    /** A (re-)registration from a DOWN machine or of a gone agent: the ShutdownMessage text, else null. */
    private String refusal(String agentId, Map<String, Object> req, boolean re) {
        String pidStr = Json.str(req, "pid", "");
        Map<String, Object> machine = Maintenance.machineOf(Json.str(req, "hostname", ""), pidStr);
        if (Maintenance.DOWN.equals(maintenance.mode(machine))) {
            Log.warn(SRC, "Refusing " + (re ? "re-registration" : "registration") + " of agent at " + pidStr
                    + " because the machine '" + Maintenance.display(machine) + "' that it is running on is `DOWN`");
            return "Machine is `DOWN`";
        }
        if (re && gone.contains(agentId)) {
            Log.warn(SRC, "Refusing re-registration of agent at " + pidStr + " because it is already marked gone");
            return "Agent has been marked gone";
        }
        return null;
    }

    private Master(Flags flags) {
        this.flags = flags;
        String advertise = flags.get("advertise_ip");
        String host = flags.get("hostname");
        String bindIp = flags.get("ip");
        if (bindIp == null) bindIp = Net.resolve(Net.localHostname());
        this.ip = advertise != null ? advertise : bindIp;
        if (host == null) {
            host = flags.bool("hostname_lookup") ? reverse(ip) : ip;
        }
        this.hostname = host;
        this.port = (int) flags.integer("port");
        String advPort = flags.get("advertise_port");
        int pubPort = advPort != null ? Integer.parseInt(advPort) : port;
        this.pid = "master@" + ip + ":" + pubPort;
        List<Object> caps = new ArrayList<>();
        for (String c : new String[] {"AGENT_UPDATE", "AGENT_DRAINING", "QUOTA_V2"}) caps.add(Json.obj("type", c));
        this.info = Json.obj(
                "address", Json.obj("hostname", hostname, "ip", ip, "port", pubPort),
                "capabilities", caps,
                "hostname", hostname,
                "id", id,
                "ip", Net.ipAsUint32(ip),
                "pid", pid,
                "port", pubPort,
                "version", Common.VERSION);
    }

    private static String reverse(String ip) {
        try {
            return java.net.InetAddress.getByName(ip).getCanonicalHostName();
        } catch (Exception e) {
            return ip;
        }
    }

    public static void main(String[] argv) throws Exception {
        Flags flags = Common.load(MasterFlags.create(), argv, "mesos-master");
        Master m = new Master(flags);
        m.run();
    }

    private void run() throws Exception {
        if (flags.get("ip") != null && flags.get("ip_discovery_command") != null) {
            Log.exit("main.cpp:0", 1, "Only one of `--ip` or `--ip_discovery_command` should be specified");
        }
        if (flags.get("zk") != null && (flags.get("master_contender") != null || flags.get("master_detector") != null)) {
            Log.exit("main.cpp:0", 1, "Only one of --zk or the --master_contender/--master_detector pair should be specified.");
        }
        String registry = flags.get("registry");
        String zkValue = null;
        if (registry.equals("in_memory")) {
            // No replicated log: nothing survives a failover, as in real Mesos.
        } else if (registry.equals("replicated_log") || registry.equals("log_storage")) {
            if (flags.get("work_dir") == null) {
                Log.exit("main.cpp:0", 1, "--work_dir needed for replicated log based registry");
            }
            try {
                java.nio.file.Files.createDirectories(java.nio.file.Path.of(flags.get("work_dir")));
            } catch (Exception e) {
                Log.exit("main.cpp:0", 1, "Failed to create work directory '" + flags.get("work_dir") + "': " + e.getMessage());
            }
            if (flags.get("zk") != null) {
                if (flags.get("quorum") == null) {
                    Log.exit("main.cpp:0", 1, "Need to specify --quorum for replicated log based registry when using ZooKeeper");
                }
            }
        } else {
            Log.exit("main.cpp:0", 1, "'" + registry + "' is not a supported option for registry persistence");
        }
        if (flags.get("zk") != null) {
            try {
                zkValue = ZkUrl.resolveValue(flags.get("zk"));
                zkUrl = ZkUrl.parse(zkValue);
            } catch (IllegalArgumentException e) {
                Log.exit("main.cpp:0", 1, "Error parsing ZooKeeper URL: " + e.getMessage());
            }
        }
        if (flags.get("quorum") != null && flags.integer("quorum") < 1) {
            Log.exit("main.cpp:0", 1, "Invalid value '" + flags.get("quorum") + "' for flag 'quorum': must be greater than 0");
        }

        Http.serve(flags.get("ip"), port, new MasterHttp(this), SRC);
        Log.info(SRC, "Master " + id + " (" + hostname + ") started on " + ip + ":" + port);
        Log.info(SRC, "Flags at startup: " + flagsLine());

        String selfHostPort = ip + ":" + port;
        if (zkUrl != null) group = new ZkGroup(zkUrl, flags.millis("zk_session_timeout"), "group.cpp:0");
        if (!registry.equals("in_memory")) {
            int quorum = zkUrl != null ? (int) flags.integer("quorum") : 1;
            log = new ReplicatedLog(flags.get("work_dir"), quorum, flags.bool("log_auto_initialize"), group,
                    zkUrl != null ? zkUrl.child("log_replicas") : null, selfHostPort);
            try {
                log.open();
            } catch (Exception e) {
                Log.exit(SRC, 1, "Failed to recover the log: " + e.getMessage());
            }
        }
        registrar = new Registrar(log, flags.nanos("registry_fetch_timeout"), flags.nanos("registry_store_timeout"));

        ScheduledExecutorService ex = Executors.newScheduledThreadPool(3, r -> {
            Thread t = new Thread(r, "master");
            t.setDaemon(true);
            return t;
        });
        if (group != null) {
            Log.info(SRC, "Using ZooKeeper " + zkUrl + " for leader election and the replicated log");
            group.start(this);
            ex.execute(this::contend);
            ex.scheduleWithFixedDelay(this::detect, 1000, 1000, TimeUnit.MILLISECONDS);
        } else {
            // Standalone: this master is the leader.
            leader = info;
            onElected();
        }
        if (log != null) ex.scheduleWithFixedDelay(safe(log::recoverStep), 200, 500, TimeUnit.MILLISECONDS);
        ex.scheduleWithFixedDelay(safe(this::checkAgents), 1000, 1000, TimeUnit.MILLISECONDS);
        Thread.currentThread().join();
    }

    private static Runnable safe(Runnable r) {
        return () -> {
            try { r.run(); } catch (Throwable t) { Log.warn(SRC, "Background task failed: " + t); }
        };
    }

    private String flagsLine() {
        StringBuilder b = new StringBuilder();
        for (Map.Entry<String, Object> e : flags.asJson().entrySet()) b.append("--").append(e.getKey()).append("=\"").append(e.getValue()).append("\" ");
        return b.toString().trim();
    }

    /** Joins the election group and the replica group, waiting for ZooKeeper as long as it takes. */
    private void contend() {
        while (true) {
            try {
                if (log != null && !replicaJoined) {
                    log.join();
                    replicaJoined = true;
                }
                myZnode = group.join(zkUrl.path, "json.info_", Json.write(info));
                Log.info("contender.cpp:0", "Master contender entered the group at " + myZnode);
                detect();
                return;
            } catch (Exception e) {
                Registrar.sleep(1000);
            }
        }
    }

    @Override public void changed() { detect(); }

    @Override public void sessionLost(String why) {
        if (elected) {
            Log.exit(SRC, 1, "Lost candidacy as a leader... committing suicide!");
        }
        Log.info(SRC, "Lost candidacy as a follower... Contend again");
        myZnode = null;
        replicaJoined = false;
        group.renew();
        new Thread(this::contend, "recontend").start();
    }

    private synchronized void detect() {
        if (group == null || myZnode == null) return;
        List<ZkGroup.Member> members;
        try {
            members = group.members(zkUrl.path, "json.info_");
        } catch (Exception e) {
            return; // Not connected: the session timer decides when that becomes fatal.
        }
        Map<String, Object> newLeader = null;
        String leaderNode = null;
        if (!members.isEmpty()) {
            try {
                newLeader = Json.parseObject(members.get(0).data);
                leaderNode = zkUrl.child(members.get(0).name);
            } catch (Exception e) {
                Log.warn("detector.cpp:0", "Failed to parse data of leading master: " + e.getMessage());
            }
        }
        Map<String, Object> old = leader;
        String oldId = old == null ? null : (String) old.get("id");
        String newId = newLeader == null ? null : (String) newLeader.get("id");
        if (java.util.Objects.equals(oldId, newId)) return;
        boolean wasElected = elected;
        leader = newLeader;
        if (newLeader == null) {
            Log.info(SRC, "No master was elected.");
            if (wasElected) Log.exit(SRC, 1, "Lost leadership after indecisive election... committing suicide!");
            return;
        }
        Log.info("detector.cpp:0", "Detected a new leader: (id='" + members.get(0).seq + "')");
        if (myZnode.equals(leaderNode)) {
            onElected();
        } else {
            Log.info(SRC, "The newly elected leader is " + newLeader.get("pid") + " with id " + newId);
            if (wasElected) Log.exit(SRC, 1, "Conceded leadership to another master... committing suicide!");
        }
    }

    private void onElected() {
        elected = true;
        electedTime = Common.now();
        Log.info(SRC, "The newly elected leader is " + pid + " with id " + id);
        Log.info(SRC, "Elected as the leading master!");
        Log.info(SRC, "Recovering from registrar");
        Thread t = new Thread(() -> {
            registrar.recover(info);
            synchronized (this) {
                recoveredAt = Common.now();
                for (Map<String, Object> a : registrar.agents()) recoveredAgents.put((String) a.get("id"), a);
                for (Map<String, Object> u : registrar.unreachable()) {
                    unreachable.put((String) u.get("id"), ((Number) u.getOrDefault("timestamp", 0.0)).doubleValue());
                }
                loadOperatorState(castMap(registrar.get("maintenance")), castMap(registrar.get("agent_states")));
                recovered = true;
            }
            Log.info(SRC, "Recovered " + recoveredAgents.size() + " agents from the registry; allowing "
                    + flags.get("agent_reregister_timeout") + " for agents to reregister");
        }, "registrar-recover");
        t.setDaemon(true);
        t.start();
    }

    public boolean elected() { return elected; }
    public boolean recovered() { return recovered; }
    public Map<String, Object> leader() { return leader; }
    public double electedTime() { return electedTime; }

    /** Registration of an agent without an id: admit it under a fresh id. */
    synchronized Map<String, Object> register(Map<String, Object> req) {
        String refused = refusal("", req, false);
        if (refused != null) return Json.obj("shutdown", refused);
        String agentPid = Json.str(req, "pid", "");
        for (AgentRecord r : agents.values()) {
            if (agentPid.equals(r.info.get("pid")) && r.active) {
                Log.info(SRC, "Agent " + r.info.get("id") + " at " + agentPid + " (" + r.info.get("hostname") + ") already registered, resending acknowledgement");
                r.lastPingMs = System.currentTimeMillis();
                return Json.obj("slave_id", r.info.get("id"), "master", pid, "reregistered", false);
            }
        }
        String agentId = id + "-S" + (nextAgentId++);
        Map<String, Object> agentInfo = agentInfo(agentId, req);
        registrar.admit(agentInfo);
        AgentRecord r = new AgentRecord();
        r.info = agentInfo;
        r.registeredTime = Common.now();
        r.lastPingMs = System.currentTimeMillis();
        agents.put(agentId, r);
        Log.info(SRC, "Registered agent " + agentId + " at " + agentPid + " (" + agentInfo.get("hostname") + ") with "
                + Resources.format(castMap(agentInfo.get("resources"))));
        return Json.obj("slave_id", agentId, "master", pid, "reregistered", false);
    }

    /** Re-registration keeps the agent's id, also for agents this master never saw. */
    synchronized Map<String, Object> reregister(Map<String, Object> req) {
        String agentId = Json.str(req, "slave_id", "");
        String refused = refusal(agentId, req, true);
        if (refused != null) return Json.obj("shutdown", refused);
        Map<String, Object> agentInfo = agentInfo(agentId, req);
        boolean known = agents.containsKey(agentId) || recoveredAgents.containsKey(agentId);
        if (!known || unreachable.containsKey(agentId) || !agentInfo.equals(registeredInfo(agentId))) {
            registrar.admit(agentInfo);
        }
        unreachable.remove(agentId);
        recoveredAgents.remove(agentId);
        AgentRecord r = agents.get(agentId);
        if (r == null) {
            r = new AgentRecord();
            r.registeredTime = Common.now();
            agents.put(agentId, r);
        }
        r.info = agentInfo;
        r.reregisteredTime = Common.now();
        r.lastPingMs = System.currentTimeMillis();
        r.active = true;
        Log.info(SRC, "Re-registered agent " + agentId + " at " + agentInfo.get("pid") + " (" + agentInfo.get("hostname") + ") with "
                + Resources.format(castMap(agentInfo.get("resources"))));
        return Json.obj("slave_id", agentId, "master", pid, "reregistered", true);
    }

    private Map<String, Object> registeredInfo(String agentId) {
        AgentRecord r = agents.get(agentId);
        if (r != null) return r.info;
        return recoveredAgents.get(agentId);
    }

    /**
     * Heartbeat: {"connected":true}, {"shutdown":text} for an agent the
     * master removed and told to shut down, or null to make the agent
     * re-register (unknown, or marked disconnected/unreachable).
     */
    synchronized Map<String, Object> ping(String agentId) {
        String shutdown = shutdowns.remove(agentId);
        if (shutdown != null) return Json.obj("shutdown", shutdown);
        AgentRecord r = agents.get(agentId);
        if (r == null || !r.active) return null;
        r.lastPingMs = System.currentTimeMillis();
        return Json.obj("connected", true);
    }

    /** Master::removeSlave after a ShutdownMessage: out of the registry, told on its next heartbeat. */
    void removeAgent(String agentId, String message) {
        AgentRecord r;
        synchronized (this) {
            r = agents.remove(agentId);
            if (r == null) return;
            shutdowns.put(agentId, message);
        }
        Log.info(SRC, "Removing agent " + agentId + " at " + r.info.get("pid") + " (" + r.info.get("hostname") + "): " + message);
        registrar.remove(agentId);
    }

    private static Map<String, Object> agentInfo(String agentId, Map<String, Object> req) {
        return Json.obj(
                "id", agentId,
                "hostname", Json.str(req, "hostname", ""),
                "port", Json.num(req, "port", 5051),
                "pid", Json.str(req, "pid", ""),
                "resources", req.getOrDefault("resources", Json.obj()),
                "attributes", req.getOrDefault("attributes", Json.obj()),
                "version", Json.str(req, "version", Common.VERSION));
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> castMap(Object o) { return o instanceof Map ? (Map<String, Object>) o : Json.obj(); }

    /**
     * Agents that stop talking are first deactivated (the master saw the
     * connection drop) and after agent_ping_timeout * max_agent_ping_timeouts
     * marked unreachable in the registry, which takes them out of /state.
     */
    private void checkAgents() {
        if (!elected || !recovered) return;
        long now = System.currentTimeMillis();
        long unreachableMs = flags.millis("agent_ping_timeout") * flags.integer("max_agent_ping_timeouts");
        List<String> lost = new ArrayList<>();
        synchronized (this) {
            for (Map.Entry<String, AgentRecord> e : agents.entrySet()) {
                AgentRecord r = e.getValue();
                long silent = now - r.lastPingMs;
                if (r.active && silent > DISCONNECT_MS) {
                    r.active = false;
                    Log.info(SRC, "Agent " + e.getKey() + " at " + r.info.get("pid") + " (" + r.info.get("hostname") + ") disconnected");
                    Log.info(SRC, "Deactivating agent " + e.getKey() + " at " + r.info.get("pid") + " (" + r.info.get("hostname") + ")");
                }
                if (silent > unreachableMs) lost.add(e.getKey());
            }
            if (Common.now() - recoveredAt > flags.nanos("agent_reregister_timeout") / 1e9) {
                lost.addAll(recoveredAgents.keySet());
            }
        }
        for (String agentId : lost) {
            double t = Common.now();
            registrar.markUnreachable(agentId, t);
            synchronized (this) {
                AgentRecord r = agents.remove(agentId);
                recoveredAgents.remove(agentId);
                unreachable.put(agentId, t);
                Log.warn(SRC, "Marking agent " + agentId + (r != null ? " at " + r.info.get("pid") + " (" + r.info.get("hostname") + ")" : "")
                        + " unreachable: " + (r != null ? "health check timed out" : "did not reregister within " + flags.get("agent_reregister_timeout")));
            }
        }
    }
}
