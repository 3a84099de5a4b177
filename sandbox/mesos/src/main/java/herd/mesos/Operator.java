package herd.mesos;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The leader's operator calls on machines and agents, shared by the v0
 * endpoints (/master/maintenance/*, /master/machine/*) and /api/v1: the
 * checks and texts of Master::Http::_updateMaintenanceSchedule,
 * _startMaintenance, _stopMaintenance, _drainAgent, _deactivateAgent and
 * _reactivateAgent. State changes are written to the registry before the
 * reply, so a new leader keeps them. The stand-in runs no tasks: a drained
 * agent has nothing to kill and is DRAINED at once.
 */
final class Operator {
    private static final String SRC = "http.cpp:0";
    private final Master m;

    Operator(Master m) { this.m = m; }

    Http.Reply updateSchedule(Map<String, Object> schedule) {
        synchronized (m) {
            String err = m.maintenance.validateSchedule(schedule);
            if (err != null) return Http.Reply.text(400, err);
            m.maintenance.replace(schedule);
        }
        m.persist();
        return Http.Reply.ok();
    }

    Map<String, Object> schedule() {
        synchronized (m) {
            return m.maintenance.schedule();
        }
    }

    Map<String, Object> status() {
        synchronized (m) {
            return m.maintenance.status();
        }
    }

    /** machine/down: the machines' agents are told to shut down and removed. */
    Http.Reply down(List<Map<String, Object>> ids) {
        List<String> victims = new ArrayList<>();
        synchronized (m) {
            String err = m.maintenance.refuseDown(ids);
            if (err != null) return Http.Reply.text(400, err);
            m.maintenance.down(ids);
            for (Map.Entry<String, Master.AgentRecord> e : m.agents.entrySet()) {
                if (Maintenance.DOWN.equals(m.maintenance.mode(e.getValue().machine()))) victims.add(e.getKey());
            }
        }
        m.persist();
        for (String id : victims) m.removeAgent(id, "Operator initiated 'Machine DOWN'");
        return Http.Reply.ok();
    }

    Http.Reply up(List<Map<String, Object>> ids) {
        synchronized (m) {
            String err = m.maintenance.refuseUp(ids);
            if (err != null) return Http.Reply.text(400, err);
            m.maintenance.up(ids);
        }
        m.persist();
        return Http.Reply.ok();
    }

    private boolean known(String id) {
        return m.agents.containsKey(id) || m.recoveredAgents.containsKey(id) || m.unreachable.containsKey(id);
    }

    /** DRAIN_AGENT; graceNanos is null when max_grace_period is not given. */
    Http.Reply drain(String id, Long graceNanos, boolean markGone) {
        boolean remove;
        synchronized (m) {
            Master.AgentRecord r = m.agents.get(id);
            if (r != null) {
                Map<String, Object> scheduled = m.maintenance.scheduled(r.machine());
                if (scheduled != null) {
                    return Http.Reply.text(400, "Agent " + id + " is part of a maintenance schedule under Machine "
                            + Maintenance.display(scheduled));
                }
            }
            if (!known(id)) return Http.Reply.text(400, "Unknown agent");
            Map<String, Object> config = Json.obj();
            if (graceNanos != null) config.put("max_grace_period", Json.obj("nanoseconds", graceNanos));
            config.put("mark_gone", markGone);
            // No tasks and no operations: DRAINING ends as soon as it starts.
            m.draining.put(id, Json.obj("state", "DRAINED", "config", config));
            m.deactivated.add(id);
            if (r != null) {
                r.drainStart = Common.now();
                Log.info(SRC, "Transitioning agent " + id + " to the DRAINING state; agent has (tasks, operations) == ({}, {})");
                Log.info(SRC, "Transitioning agent " + id + " to the DRAINED state");
            }
            remove = markGone;
            if (markGone) {
                m.gone.add(id);
                m.draining.remove(id);
                m.deactivated.remove(id);
                m.recoveredAgents.remove(id);
                m.unreachable.remove(id);
            }
        }
        m.persist();
        if (remove) m.removeAgent(id, "Agent has been marked gone");
        return Http.Reply.ok();
    }

    Http.Reply deactivate(String id) {
        synchronized (m) {
            if (!known(id)) return Http.Reply.text(400, "Unknown agent");
            m.deactivated.add(id);
        }
        m.persist();
        return Http.Reply.ok();
    }

    Http.Reply reactivate(String id) {
        boolean registered;
        synchronized (m) {
            if (!m.deactivated.contains(id)) return Http.Reply.text(400, "Agent is not deactivated");
            Map<String, Object> d = m.draining.get(id);
            if (d != null && "DRAINING".equals(d.get("state"))) return Http.Reply.text(400, "Agent is still in the DRAINING state");
            m.draining.remove(id);
            m.deactivated.remove(id);
            Master.AgentRecord r = m.agents.get(id);
            registered = r != null;
            if (r != null) r.drainStart = null;
        }
        m.persist();
        if (!registered) return Http.Reply.text(409, "Agent removed while processing the call");
        Log.info(SRC, "Reactivating agent " + id);
        return Http.Reply.ok();
    }
}
