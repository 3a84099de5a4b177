package herd.mesos;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * POST /api/v1 on the master (Master::Http::api), JSON only: the maintenance
 * and agent-draining calls and GET_AGENTS. Other call types answer 501 (the
 * stand-in does not have them). Content-Type and Accept are not checked.
 */
final class ApiV1 {
    private static final Set<String> CALLS = Set.of("GET_MAINTENANCE_STATUS", "GET_MAINTENANCE_SCHEDULE",
            "UPDATE_MAINTENANCE_SCHEDULE", "START_MAINTENANCE", "STOP_MAINTENANCE", "GET_AGENTS",
            "DRAIN_AGENT", "DEACTIVATE_AGENT", "REACTIVATE_AGENT");
    private final Master m;
    private final Operator op;
    private final MasterHttp http;

    ApiV1(Master m, Operator op, MasterHttp http) { this.m = m; this.op = op; this.http = http; }

    Http.Reply call(String body) {
        Map<String, Object> call;
        try {
            call = Json.parseObject(body);
        } catch (IllegalArgumentException e) {
            return Http.Reply.text(400, "Failed to parse body into JSON: " + e.getMessage());
        }
        String type = Json.str(call, "type", "");
        if (type.isEmpty()) return invalid("Expecting 'type' to be present");
        if (!CALLS.contains(type)) return Http.Reply.text(501, "Call " + type + " is not implemented by the Mesos stand-in");
        String field = type.toLowerCase();
        boolean needsBody = !type.startsWith("GET_");
        Map<String, Object> args = Master.castMap(call.get(field));
        if (needsBody && !call.containsKey(field)) return invalid("Expecting '" + field + "' to be present");
        switch (type) {
            case "GET_MAINTENANCE_STATUS":
                return reply(type, Json.obj("status", op.status()));
            case "GET_MAINTENANCE_SCHEDULE":
                return reply(type, Json.obj("schedule", op.schedule()));
            case "UPDATE_MAINTENANCE_SCHEDULE":
                return op.updateSchedule(Master.castMap(args.get("schedule")));
            case "START_MAINTENANCE":
                return op.down(Maintenance.maps(args.get("machines")));
            case "STOP_MAINTENANCE":
                return op.up(Maintenance.maps(args.get("machines")));
            case "GET_AGENTS":
                return reply(type, agents());
            default:
        }
        Object agentId = Master.castMap(args.get("agent_id")).get("value");
        if (agentId == null) return Http.Reply.text(400, "Failed to convert JSON into Call protobuf: Missing required fields: " + field + ".agent_id");
        String id = String.valueOf(agentId);
        switch (type) {
            case "DRAIN_AGENT": {
                Long grace = null;
                if (args.containsKey("max_grace_period")) {
                    // google.protobuf.Duration in its object form: {"seconds": N, "nanos": M}.
                    Map<String, Object> d = Master.castMap(args.get("max_grace_period"));
                    grace = Json.num(d, "seconds", 0) * 1_000_000_000L + Json.num(d, "nanos", 0);
                }
                return op.drain(id, grace, Boolean.TRUE.equals(args.get("mark_gone")));
            }
            case "DEACTIVATE_AGENT":
                return op.deactivate(id);
            default:
                return op.reactivate(id);
        }
    }

    private static Http.Reply invalid(String why) {
        return Http.Reply.text(400, "Failed to validate master::Call: " + why);
    }

    private static Http.Reply reply(String type, Map<String, Object> payload) {
        return Http.Reply.json(Json.obj("type", type, type.toLowerCase(), payload));
    }

    /** GET_AGENTS: the v1 shape of each registered agent, with deactivated and drain_info. */
    private Map<String, Object> agents() {
        List<Object> out = new ArrayList<>();
        List<Object> recovered = new ArrayList<>();
        synchronized (m) {
            for (Map.Entry<String, Master.AgentRecord> e : m.agents.entrySet()) {
                Master.AgentRecord r = e.getValue();
                String id = e.getKey();
                Map<String, Object> info = Json.obj("hostname", r.info.get("hostname"), "id", Json.obj("value", id),
                        "port", r.info.get("port"));
                Map<String, Object> a = Json.obj("agent_info", info, "active", m.active(id, r),
                        "deactivated", m.deactivated.contains(id), "version", r.info.get("version"),
                        "pid", r.info.get("pid"), "registered_time", nanos(r.registeredTime));
                if (r.reregisteredTime != null) a.put("reregistered_time", nanos(r.reregisteredTime));
                a.put("capabilities", http.agentCapabilities().stream().map(c -> Json.obj("type", c)).toList());
                Map<String, Object> drain = m.draining.get(id);
                if (drain != null) {
                    a.put("drain_info", drain);
                    if (r.drainStart != null) a.put("estimated_drain_start_time", nanos(r.drainStart));
                }
                out.add(a);
            }
            for (Map<String, Object> a : m.recoveredAgents.values()) {
                recovered.add(Json.obj("hostname", a.get("hostname"), "id", Json.obj("value", a.get("id")), "port", a.get("port")));
            }
        }
        return Json.obj("agents", out, "recovered_agents", recovered);
    }

    private static Map<String, Object> nanos(double secs) {
        return Json.obj("nanoseconds", (long) (secs * 1e9));
    }
}
