package herd.mesos;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The maintenance primitives of src/master/maintenance.cpp and the
 * maintenance half of src/master/http.cpp: one schedule of windows, and a
 * mode (DRAINING or DOWN) per machine named in it. Machines are MachineIDs
 * compared as Mesos compares them: the same fields present, the hostname
 * case-insensitively, the ip exactly. Mesos never changes a mode by itself.
 * Not thread-safe: the master holds its own lock around every call.
 */
final class Maintenance {
    static final String DRAINING = "DRAINING";
    static final String DOWN = "DOWN";

    /** The current schedule, {"windows":[...]} ({} when none). */
    private Map<String, Object> schedule = Json.obj();
    /** Machine key -> {"id": MachineID, "mode": ..., "unavailability": ...}. */
    private final Map<String, Map<String, Object>> machines = new LinkedHashMap<>();

    // ---- machine ids ----

    /** The identity Mesos hashes and compares on (type_utils.hpp). */
    static String key(Map<String, Object> id) {
        String h = id.containsKey("hostname") ? "h:" + String.valueOf(id.get("hostname")).toLowerCase() : "-";
        String i = id.containsKey("ip") ? "i:" + id.get("ip") : "-";
        return h + "\u0000" + i;
    }

    /** stringify(JSON::protobuf(id)): fields in proto order, only those present. */
    static String json(Map<String, Object> id) {
        Map<String, Object> o = new LinkedHashMap<>();
        if (id.containsKey("hostname")) o.put("hostname", id.get("hostname"));
        if (id.containsKey("ip")) o.put("ip", id.get("ip"));
        return Json.write(o);
    }

    /** operator<<(MachineID): "host (ip)", "host" or "(ip)". */
    static String display(Map<String, Object> id) {
        if (id.containsKey("hostname") && id.containsKey("ip")) return id.get("hostname") + " (" + id.get("ip") + ")";
        if (id.containsKey("hostname")) return String.valueOf(id.get("hostname"));
        return "(" + id.get("ip") + ")";
    }

    /** The machine an agent runs on: its announced hostname and the ip of its pid. */
    static Map<String, Object> machineOf(String hostname, String pid) {
        String addr = pid.contains("@") ? pid.substring(pid.indexOf('@') + 1) : pid;
        String ip = addr.contains(":") ? addr.substring(0, addr.lastIndexOf(':')) : addr;
        return Json.obj("hostname", hostname, "ip", ip);
    }

    // ---- validation (maintenance::validation) ----

    /** validation::machine: null when valid. */
    static String validateMachine(Map<String, Object> id) {
        String h = Json.str(id, "hostname", "");
        String ip = Json.str(id, "ip", "");
        if (h.isEmpty() && ip.isEmpty()) return "Both 'hostname' and 'ip' for a machine are empty";
        if (!ip.isEmpty() && !ipv4(ip)) return "Failed to parse IPv4: " + ip;
        return null;
    }

    private static boolean ipv4(String s) {
        String[] p = s.split("\\.", -1);
        if (p.length != 4) return false;
        for (String x : p) {
            if (x.isEmpty() || x.length() > 3 || !x.chars().allMatch(Character::isDigit) || Integer.parseInt(x) > 255) return false;
        }
        return true;
    }

    /** validation::machines, for machine/down and machine/up. */
    static String validateMachines(List<Map<String, Object>> ids) {
        if (ids.isEmpty()) return "List of machines is empty";
        Set<String> seen = new HashSet<>();
        for (Map<String, Object> id : ids) {
            String err = validateMachine(id);
            if (err != null) return err;
            if (!seen.add(key(id))) return "Machine '" + json(id) + "' appears more than once in the schedule";
        }
        return null;
    }

    /** validation::schedule against the current machines. */
    String validateSchedule(Map<String, Object> next) {
        Set<String> updated = new HashSet<>();
        for (Map<String, Object> w : windows(next)) {
            List<Map<String, Object>> ids = maps(w.get("machine_ids"));
            if (ids.isEmpty()) return "List of machines in the maintenance window is empty";
            Map<String, Object> u = Master.castMap(w.get("unavailability"));
            if (Json.num(Master.castMap(u.get("duration")), "nanoseconds", 0) < 0) return "Unavailability 'duration' is negative";
            for (Map<String, Object> id : ids) {
                String err = validateMachine(id);
                if (err != null) return err;
                if (!updated.add(key(id))) return "Machine '" + json(id) + "' appears more than once in the schedule";
            }
        }
        for (Map<String, Object> m : machines.values()) {
            Map<String, Object> id = Master.castMap(m.get("id"));
            if (DOWN.equals(m.get("mode")) && !updated.contains(key(id))) {
                return "Machine '" + json(id) + "' is deactivated and cannot be removed from the schedule";
            }
        }
        return null;
    }

    // ---- transitions ----

    /** ___updateMaintenanceSchedule: new machines DRAINING at once, dropped ones UP (forgotten). */
    void replace(Map<String, Object> next) {
        Map<String, Map<String, Object>> unavailable = new LinkedHashMap<>();
        for (Map<String, Object> w : windows(next)) {
            for (Map<String, Object> id : maps(w.get("machine_ids"))) {
                unavailable.put(key(id), Json.obj("id", id, "unavailability", w.get("unavailability")));
            }
        }
        machines.keySet().removeIf(k -> !unavailable.containsKey(k));
        for (Map.Entry<String, Map<String, Object>> e : unavailable.entrySet()) {
            Map<String, Object> m = machines.get(e.getKey());
            if (m == null) {
                m = Json.obj("id", e.getValue().get("id"), "mode", DRAINING);
                machines.put(e.getKey(), m);
            }
            m.put("unavailability", e.getValue().get("unavailability"));
        }
        schedule = windows(next).isEmpty() ? Json.obj() : Json.obj("windows", windows(next));
    }

    /** _startMaintenance's checks: null when every machine may go DOWN. */
    String refuseDown(List<Map<String, Object>> ids) {
        String err = validateMachines(ids);
        if (err != null) return err;
        for (Map<String, Object> id : ids) {
            Map<String, Object> m = machines.get(key(id));
            if (m == null) return "Machine '" + json(id) + "' is not part of a maintenance schedule";
            if (!DRAINING.equals(m.get("mode"))) return "Machine '" + json(id) + "' is not in DRAINING mode and cannot be brought down";
        }
        return null;
    }

    void down(List<Map<String, Object>> ids) {
        for (Map<String, Object> id : ids) machines.get(key(id)).put("mode", DOWN);
    }

    /** _stopMaintenance's checks. */
    String refuseUp(List<Map<String, Object>> ids) {
        String err = validateMachines(ids);
        if (err != null) return err;
        for (Map<String, Object> id : ids) {
            Map<String, Object> m = machines.get(key(id));
            if (m == null) return "Machine '" + json(id) + "' is not part of a maintenance schedule";
            if (!DOWN.equals(m.get("mode"))) return "Machine '" + json(id) + "' is not in DOWN mode and cannot be brought up";
        }
        return null;
    }

    /** machine/up: UP again, and out of the schedule (empty windows dropped). */
    void up(List<Map<String, Object>> ids) {
        Set<String> gone = new HashSet<>();
        for (Map<String, Object> id : ids) gone.add(key(id));
        machines.keySet().removeAll(gone);
        List<Object> kept = new ArrayList<>();
        for (Map<String, Object> w : windows(schedule)) {
            List<Object> left = new ArrayList<>();
            for (Map<String, Object> id : maps(w.get("machine_ids"))) if (!gone.contains(key(id))) left.add(id);
            if (!left.isEmpty()) kept.add(Json.obj("machine_ids", left, "unavailability", w.get("unavailability")));
        }
        schedule = kept.isEmpty() ? Json.obj() : Json.obj("windows", kept);
    }

    // ---- queries ----

    String mode(Map<String, Object> id) {
        Map<String, Object> m = machines.get(key(id));
        return m == null ? "UP" : (String) m.get("mode");
    }

    /** The machine of the schedule an id belongs to, or null (drain refuses those). */
    Map<String, Object> scheduled(Map<String, Object> id) {
        for (Map<String, Object> w : windows(schedule)) {
            for (Map<String, Object> s : maps(w.get("machine_ids"))) if (key(s).equals(key(id))) return s;
        }
        return null;
    }

    Map<String, Object> schedule() { return Json.parseObject(Json.write(schedule)); }

    /** ClusterStatus: the stand-in has no frameworks, so no inverse-offer statuses. */
    Map<String, Object> status() {
        List<Object> draining = new ArrayList<>();
        List<Object> down = new ArrayList<>();
        for (Map<String, Object> m : machines.values()) {
            if (DRAINING.equals(m.get("mode"))) draining.add(Json.obj("id", m.get("id")));
            else if (DOWN.equals(m.get("mode"))) down.add(m.get("id"));
        }
        Map<String, Object> s = Json.obj();
        if (!draining.isEmpty()) s.put("draining_machines", draining);
        if (!down.isEmpty()) s.put("down_machines", down);
        return s;
    }

    // ---- the registry's copy ----

    Map<String, Object> toRegistry() {
        List<Object> ms = new ArrayList<>(machines.values());
        return Json.parseObject(Json.write(Json.obj("schedule", schedule, "machines", ms)));
    }

    void fromRegistry(Map<String, Object> r) {
        machines.clear();
        schedule = Master.castMap(r.get("schedule"));
        for (Map<String, Object> m : maps(r.get("machines"))) machines.put(key(Master.castMap(m.get("id"))), m);
    }

    // ---- JSON shapes ----

    static List<Map<String, Object>> windows(Map<String, Object> s) { return maps(s.get("windows")); }

    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> maps(Object o) {
        List<Map<String, Object>> out = new ArrayList<>();
        if (o instanceof List) for (Object x : (List<Object>) o) if (x instanceof Map) out.add((Map<String, Object>) x);
        return out;
    }
}
