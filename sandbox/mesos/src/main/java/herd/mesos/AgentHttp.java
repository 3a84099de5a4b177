package herd.mesos;

import java.util.Map;

/** The agent's HTTP surface (src/slave/http.cpp), under /slave(1)/<ep> and /<ep>. */
public final class AgentHttp implements Http.Handler {
    private final Agent a;

    AgentHttp(Agent a) { this.a = a; }

    @Override
    public Http.Reply handle(String method, String path, String body) {
        String ep = path.startsWith("/slave(1)/") ? path.substring(9) : path;
        switch (ep) {
            case "/health":
                return Http.Reply.ok();
            case "/state":
            case "/state.json":
                return Http.Reply.json(state());
            case "/version":
                return Http.Reply.json(Common.versionJson());
            case "/metrics/snapshot":
                return Http.Reply.json(metrics());
            default:
                return Http.Reply.notFound();
        }
    }

    private Map<String, Object> state() {
        Map<String, Object> s = Common.versionJson();
        s.put("start_time", a.startTime);
        s.put("id", a.agentId);
        s.put("pid", a.pid);
        s.put("hostname", a.hostname);
        s.put("capabilities", java.util.List.of("MULTI_ROLE", "HIERARCHICAL_ROLE", "RESERVATION_REFINEMENT",
                "RESOURCE_PROVIDER", "RESIZE_VOLUME", "AGENT_OPERATION_FEEDBACK", "AGENT_DRAINING", "TASK_RESOURCE_LIMITS"));
        s.put("resources", a.resources);
        s.put("reserved_resources", Json.obj());
        s.put("unreserved_resources", a.resources);
        s.put("attributes", a.attributes);
        Map<String, Object> m = a.master;
        if (m != null) s.put("master_hostname", m.get("hostname"));
        if (a.flags.get("log_dir") != null) s.put("log_dir", a.flags.get("log_dir"));
        s.put("flags", a.flags.asJson());
        s.put("frameworks", a.emptyList());
        s.put("completed_frameworks", a.emptyList());
        return s;
    }

    private Map<String, Object> metrics() {
        Map<String, Object> s = new java.util.TreeMap<>();
        s.put("slave/registered", a.registered() ? 1.0 : 0.0);
        s.put("slave/uptime_secs", Common.now() - a.startTime);
        for (String r : new String[] {"cpus", "mem", "disk"}) {
            Object v = a.resources.get(r);
            s.put("slave/" + r + "_total", v instanceof Number ? ((Number) v).doubleValue() : 0.0);
            s.put("slave/" + r + "_used", 0.0);
        }
        s.put("slave/tasks_running", 0.0);
        s.put("slave/executors_running", 0.0);
        return s;
    }
}
