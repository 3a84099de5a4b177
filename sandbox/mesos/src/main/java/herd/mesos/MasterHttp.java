package herd.mesos;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The master's HTTP surface (src/master/http.cpp): every endpoint answers under
 * both /master/<ep> and /<ep>; read-only state lives only on the leader and
 * other masters redirect there.
 */
public final class MasterHttp implements Http.Handler {
    private final Master m;
    private final Operator op;
    private final ApiV1 api;

    MasterHttp(Master m) {
        this.m = m;
        this.op = new Operator(m);
        this.api = new ApiV1(m, op, this);
    }

    @Override
    public Http.Reply handle(String method, String path, String body) throws Exception {
        String ep = path.startsWith("/master/") ? path.substring(7) : path;
        switch (ep) {
            case "/health":
                return Http.Reply.ok();
            case "/redirect":
                return redirect(path, true);
            case "/state":
            case "/state.json":
                return m.elected() ? Http.Reply.json(state()) : redirect(path, false);
            case "/slaves":
                return m.elected() ? Http.Reply.json(Json.obj("slaves", slaves(), "recovered_slaves", recoveredSlaves())) : redirect(path, false);
            case "/frameworks":
                return m.elected() ? Http.Reply.json(Json.obj("frameworks", new ArrayList<>(), "completed_frameworks", new ArrayList<>(),
                        "unregistered_frameworks", new ArrayList<>())) : redirect(path, false);
            case "/state-summary":
                return m.elected() ? Http.Reply.json(summary()) : redirect(path, false);
            case "/version":
                return Http.Reply.json(Common.versionJson());
            case "/metrics/snapshot":
                return Http.Reply.json(metrics());
            case "/mesos.internal.RegisterSlaveMessage":
            case "/mesos.internal.ReregisterSlaveMessage":
            case "/mesos.internal.PongSlaveMessage":
                return internal(ep, method, body);
            case "/maintenance/schedule":
            case "/maintenance/status":
            case "/machine/down":
            case "/machine/up":
                return maintenance(path, ep, method, body);
            case "/api/v1":
                if (!m.elected()) return redirect(path, false);
                if (!m.recovered()) return Http.Reply.text(503, "Master has not finished recovery");
                if (!"POST".equals(method)) return Http.Reply.text(405, "Expecting 'POST', received '" + method + "'");
                return api.call(body);
            default:
        }
        if (path.startsWith("/log-replica(1)/")) return replica(path.substring(16), method, body);
        if (path.startsWith("/master/redirect/") || path.startsWith("/redirect/")) return Http.Reply.notFound();
        return Http.Reply.notFound();
    }

    /** Master::Http::redirect: protocol-relative Location, 503 without a leader. */
    private Http.Reply redirect(String path, boolean base) {
        Map<String, Object> leader = m.leader();
        if (leader == null) return Http.Reply.text(503, "No leader elected");
        Object host = leader.get("hostname");
        if (host == null || host.toString().isEmpty()) host = Master.castMap(leader.get("address")).get("ip");
        String loc = "//" + host + ":" + leader.get("port");
        return Http.Reply.redirect(base ? loc : loc + path);
    }

    /** The v0 maintenance endpoints: leader only, bodies parsed as http.cpp does. */
    private Http.Reply maintenance(String path, String ep, String method, String body) {
        if (!m.elected()) return redirect(path, false);
        if (!m.recovered()) return Http.Reply.text(503, "Master has not finished recovery");
        boolean get = "GET".equals(method), post = "POST".equals(method);
        switch (ep) {
            case "/maintenance/status":
                if (!get) return Http.Reply.text(405, "Expecting 'GET', received '" + method + "'");
                return Http.Reply.json(op.status());
            case "/maintenance/schedule":
                if (get) return Http.Reply.json(op.schedule());
                if (!post) return Http.Reply.text(405, "Expecting one of { 'GET', 'POST' }, received '" + method + "'");
                Map<String, Object> schedule;
                try {
                    schedule = Json.parseObject(body);
                } catch (IllegalArgumentException e) {
                    return Http.Reply.text(400, e.getMessage());
                }
                return op.updateSchedule(schedule);
            default:
        }
        if (!post) return Http.Reply.text(405, "Expecting 'POST', received '" + method + "'");
        Object ids;
        try {
            ids = Json.parse(body);
        } catch (IllegalArgumentException e) {
            return Http.Reply.text(400, e.getMessage());
        }
        if (!(ids instanceof List)) return Http.Reply.text(400, "Expecting a JSON array");
        return ep.equals("/machine/down") ? op.down(Maintenance.maps(ids)) : op.up(Maintenance.maps(ids));
    }

    private Http.Reply internal(String ep, String method, String body) {
        if (!"POST".equals(method)) return Http.Reply.text(405, "Expecting 'POST'");
        if (!m.elected()) return redirect("/master" + ep, false);
        if (!m.recovered()) return Http.Reply.text(503, "Master has not finished recovery");
        Map<String, Object> req = Json.parseObject(body);
        switch (ep) {
            case "/mesos.internal.RegisterSlaveMessage":
                return Http.Reply.json(m.register(req));
            case "/mesos.internal.ReregisterSlaveMessage":
                return Http.Reply.json(m.reregister(req));
            default:
                Map<String, Object> pong = m.ping(Json.str(req, "slave_id", ""));
                return pong != null ? Http.Reply.json(pong) : Http.Reply.text(404, "Agent is not registered with this master");
        }
    }

    private Http.Reply replica(String op, String method, String body) {
        if (m.log == null) return Http.Reply.notFound();
        switch (op) {
            case "status":
                return Http.Reply.json(m.log.describe(false));
            case "read":
                return Http.Reply.json(m.log.describe(true));
            case "write":
                Map<String, Object> req = Json.parseObject(body);
                return m.log.accept(Json.num(req, "version", 0), Master.castMap(req.get("registry")))
                        ? Http.Reply.ok() : Http.Reply.text(409, "Replica is not VOTING or is ahead");
            default:
                return Http.Reply.notFound();
        }
    }

    private Map<String, Object> state() {
        Map<String, Object> s = Common.versionJson();
        s.put("start_time", m.startTime);
        if (m.elected()) s.put("elected_time", m.electedTime());
        s.put("id", m.id);
        s.put("pid", m.pid);
        s.put("hostname", m.hostname);
        List<Object> caps = new ArrayList<>();
        caps.add("AGENT_UPDATE");
        caps.add("AGENT_DRAINING");
        caps.add("QUOTA_V2");
        s.put("capabilities", caps);
        int active = 0, inactive = 0, unreachable;
        synchronized (m) {
            for (Map.Entry<String, Master.AgentRecord> e : m.agents.entrySet()) {
                if (m.active(e.getKey(), e.getValue())) active++; else inactive++;
            }
            unreachable = m.unreachable.size();
        }
        s.put("activated_slaves", active);
        s.put("deactivated_slaves", inactive);
        s.put("unreachable_slaves", unreachable);
        Map<String, Object> leader = m.leader();
        if (leader != null) {
            s.put("leader", leader.get("pid"));
            s.put("leader_info", leader);
        }
        if (m.flags.get("cluster") != null) s.put("cluster", m.flags.get("cluster"));
        if (m.flags.get("log_dir") != null) s.put("log_dir", m.flags.get("log_dir"));
        s.put("flags", m.flags.asJson());
        s.put("slaves", slaves());
        s.put("recovered_slaves", recoveredSlaves());
        s.put("frameworks", new ArrayList<>());
        s.put("completed_frameworks", new ArrayList<>());
        s.put("orphan_tasks", new ArrayList<>());
        s.put("unregistered_frameworks", new ArrayList<>());
        return s;
    }

    private Map<String, Object> summary() {
        Map<String, Object> s = Json.obj("hostname", m.hostname);
        if (m.flags.get("cluster") != null) s.put("cluster", m.flags.get("cluster"));
        s.put("slaves", slaves());
        s.put("frameworks", new ArrayList<>());
        return s;
    }

    private List<Object> slaves() {
        List<Object> out = new ArrayList<>();
        synchronized (m) {
            for (Map.Entry<String, Master.AgentRecord> e : m.agents.entrySet()) {
                Master.AgentRecord r = e.getValue();
                Map<String, Object> res = Master.castMap(r.info.get("resources"));
                Map<String, Object> zero = Json.obj("disk", 0.0, "mem", 0.0, "gpus", 0.0, "cpus", 0.0);
                Map<String, Object> a = Json.obj(
                        "id", r.info.get("id"),
                        "hostname", r.info.get("hostname"),
                        "port", r.info.get("port"),
                        "attributes", r.info.get("attributes"),
                        "pid", r.info.get("pid"),
                        "registered_time", r.registeredTime);
                if (r.reregisteredTime != null) a.put("reregistered_time", r.reregisteredTime);
                a.put("resources", res);
                a.put("used_resources", zero);
                a.put("offered_resources", zero);
                a.put("reserved_resources", Json.obj());
                a.put("unreserved_resources", res);
                // readonly_handler.cpp: active is connected and not deactivated;
                // deactivated is the operator's (DEACTIVATE_AGENT, DRAIN_AGENT).
                a.put("active", m.active(e.getKey(), r));
                a.put("deactivated", m.deactivated.contains(e.getKey()));
                a.put("version", r.info.get("version"));
                a.put("capabilities", agentCapabilities());
                Map<String, Object> drain = m.draining.get(e.getKey());
                if (drain != null) {
                    a.put("drain_info", drain);
                    if (r.drainStart != null) a.put("estimated_drain_start_time_seconds", r.drainStart);
                }
                out.add(a);
            }
        }
        return out;
    }

    List<String> agentCapabilities() {
        return List.of("MULTI_ROLE", "HIERARCHICAL_ROLE", "RESERVATION_REFINEMENT",
                "RESOURCE_PROVIDER", "RESIZE_VOLUME", "AGENT_OPERATION_FEEDBACK", "AGENT_DRAINING", "TASK_RESOURCE_LIMITS");
    }

    private List<Object> recoveredSlaves() {
        List<Object> out = new ArrayList<>();
        synchronized (m) {
            out.addAll(m.recoveredAgents.values());
        }
        return out;
    }

    private Map<String, Object> metrics() {
        int active = 0, inactive = 0, connected = 0, unreachable;
        synchronized (m) {
            for (Map.Entry<String, Master.AgentRecord> e : m.agents.entrySet()) {
                if (m.active(e.getKey(), e.getValue())) active++; else inactive++;
                if (e.getValue().active) connected++;
            }
            unreachable = m.unreachable.size();
        }
        Map<String, Object> s = new java.util.TreeMap<>();
        s.put("master/elected", m.elected() ? 1.0 : 0.0);
        s.put("master/uptime_secs", Common.now() - m.startTime);
        s.put("master/slaves_active", (double) active);
        s.put("master/slaves_inactive", (double) inactive);
        s.put("master/slaves_connected", (double) connected);
        s.put("master/slaves_disconnected", (double) (active + inactive - connected));
        s.put("master/slaves_unreachable", (double) unreachable);
        s.put("master/frameworks_active", 0.0);
        s.put("master/frameworks_connected", 0.0);
        s.put("master/tasks_running", 0.0);
        s.put("master/recovery_slave_removals", 0.0);
        if (m.log != null) {
            // Only the replicated-log registry publishes these (not --registry=in_memory).
            s.put("registrar/log/recovered", m.log.recovered() ? 1.0 : 0.0);
            s.put("registrar/log/ensemble_size", (double) m.log.ensembleSize());
        }
        s.put("registrar/queued_operations", 0.0);
        s.put("registrar/registry_size_bytes", 0.0);
        return s;
    }
}
