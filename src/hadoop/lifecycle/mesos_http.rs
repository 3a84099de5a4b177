//! Mesos maintenance through the leading master's HTTP API, from a shell on
//! one of the masters (spec 15): the schedule, which herd owns and posts
//! whole (a POST replaces it), and machines brought down and up. bash's
//! /dev/tcp speaks the HTTP, since no client can be assumed on a host.

use serde_json::{Value, json};

use crate::hadoop::lifecycle::WorkerState;
use crate::hadoop::render::{MesosKind, mesos_flags};
use crate::hadoop::topology::Topology;
use crate::model::Inventory;
use crate::shell::quote as q;

/// A hundred years: "until herd says otherwise" (Mesos wants a duration).
const FOREVER_NS: u128 = 100 * 365 * 24 * 3600 * 1_000_000_000;

/// The machine a Mesos master knows an agent by: the `--hostname` and
/// `--ip` herd gives it. None where herd gives no `--ip` (the inventory's
/// address is a name): the master would know it by an address herd cannot
/// tell, and matching needs both (spec 15.1).
pub fn machine(inv: &Inventory, topo: &Topology, host: &str) -> Option<Value> {
    let h = inv.host(host)?;
    let flags = mesos_flags(topo, h, MesosKind::Agent);
    Some(json!({ "hostname": flags.get("hostname")?, "ip": flags.get("ip")? }))
}

/// The whole schedule for the record: one window per agent host out of
/// service, from `now_ns`; a maintenance until its end, a decommission
/// for good.
pub fn schedule(inv: &Inventory, topo: &Topology, now_ns: u128) -> Value {
    let mut windows = Vec::new();
    for host in topo.hosts("mesos-agent") {
        let duration = match topo.worker_state(host) {
            WorkerState::Active => continue,
            WorkerState::Decommissioned => FOREVER_NS,
            WorkerState::Maintenance { until_ms } => match until_ms {
                Some(ms) => (u128::from(ms) * 1_000_000)
                    .saturating_sub(now_ns)
                    .max(1_000_000_000),
                None => FOREVER_NS,
            },
        };
        let Some(m) = machine(inv, topo, host) else {
            continue;
        };
        windows.push(json!({
            "machine_ids": [m],
            "unavailability": {
                "start": { "nanoseconds": now_ns as u64 },
                "duration": { "nanoseconds": duration as u64 },
            },
        }));
    }
    json!({ "windows": windows })
}

/// A shell function `mesos METHOD PATH [BODY]` talking to `leader`:`port`;
/// it prints the response's status code, then its body, and fails on
/// anything but 200.
pub fn prelude(leader: &str, port: u16) -> String {
    format!(
        r#"mesos() {{
  exec 3<>/dev/tcp/{leader}/{port} || {{ echo "no answer from the Mesos master {leader}:{port}" >&2; return 1; }}
  len=$(printf '%s' "$3" | wc -c)
  printf '%s %s HTTP/1.0\r\nHost: {leader}\r\nContent-Type: application/json\r\nContent-Length: %s\r\n\r\n%s' "$1" "$2" "$len" "$3" >&3
  resp=$(tr -d '\r' <&3)
  exec 3<&-
  code=$(printf '%s\n' "$resp" | head -1 | cut -d' ' -f2)
  body=$(printf '%s\n' "$resp" | sed '1,/^$/d')
  if [ "$code" != 200 ]; then
    echo "Mesos master {leader}:{port}: $1 $2: HTTP $code: $body" >&2
    return 1
  fi
  printf '%s\n' "$body"
}}
"#
    )
}

/// Post `schedule` (after bringing `up` back up from DOWN, since a DOWN
/// machine cannot leave the schedule), then bring `down` down: the agents
/// on them are shut down and cannot register again until brought up.
pub fn apply(leader: &str, port: u16, schedule: &Value, up: &[Value], down: &[Value]) -> String {
    let mut out = prelude(leader, port);
    out.push_str("status=$(mesos GET /master/maintenance/status '' | tr -d ' \\n') || exit 1\n");
    out.push_str(
        "downs=$(printf '%s' \"$status\" | sed -n 's/.*\"down_machines\":\\[\\([^]]*\\)\\].*/\\1/p')\n",
    );
    for m in up {
        let host = m["hostname"].as_str().unwrap_or_default();
        out.push_str(&format!(
            "case \"$downs\" in *{needle}*) mesos POST /master/machine/up {body} >/dev/null || exit 1; echo \"{host}: up\" ;; esac\n",
            needle = q(&format!("\"hostname\":\"{host}\"")),
            body = q(&Value::Array(vec![m.clone()]).to_string()),
        ));
    }
    out.push_str(&format!(
        "mesos POST /master/maintenance/schedule {} >/dev/null || exit 1\necho \"schedule: {} window(s)\"\n",
        q(&schedule.to_string()),
        schedule["windows"].as_array().map_or(0, Vec::len),
    ));
    for m in down {
        let host = m["hostname"].as_str().unwrap_or_default();
        out.push_str(&format!(
            "case \"$downs\" in *{needle}*) echo \"{host}: already down\" ;; *) mesos POST /master/machine/down {body} >/dev/null || exit 1; echo \"{host}: down\" ;; esac\n",
            needle = q(&format!("\"hostname\":\"{host}\"")),
            body = q(&Value::Array(vec![m.clone()]).to_string()),
        ));
    }
    // bash: /dev/tcp is bash's, and /bin/sh may be dash.
    format!("bash -c {}", q(&out))
}
