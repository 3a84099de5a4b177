//! The masters' lists of workers: which DataNodes the NameNodes admit and in
//! what admin state (`dfs.hosts`, the combined JSON format, the only one
//! that carries maintenance), and which NodeManagers the ResourceManagers
//! admit and exclude. Every worker of the inventory is listed, since a
//! DataNode missing from a non-empty include list is refused outright
//! (spec 11.1); the record says which are out of service.
//!
//! One JSON object per line: the bring-up's guard reads the hosts' copies
//! back with grep, before it replaces them.

use crate::hadoop::lifecycle::WorkerState;
use crate::hadoop::topology::Topology;

pub const DFS_HOSTS: &str = "dfs.hosts.json";
pub const YARN_INCLUDE: &str = "yarn.include";
pub const YARN_EXCLUDE: &str = "yarn.exclude";

/// `dfs.hosts` for `CombinedHostFileManager`: every DataNode host, with its
/// admin state when it is not in service.
pub fn dfs_hosts(topo: &Topology) -> Vec<u8> {
    let mut lines = Vec::new();
    for host in topo.hosts("datanode") {
        // hostName first, always: the bring-up's guard greps for
        // `{"hostName":"<host>","adminState"` in the hosts' copies.
        let name = serde_json::Value::from(host.as_str()).to_string();
        lines.push(match topo.worker_state(host) {
            WorkerState::Active => format!("{{\"hostName\":{name}}}"),
            WorkerState::Decommissioned => {
                format!("{{\"hostName\":{name},\"adminState\":\"DECOMMISSIONED\"}}")
            }
            // Absent means forever (Long.MAX_VALUE) to the NameNode.
            WorkerState::Maintenance { until_ms } => format!(
                "{{\"hostName\":{name},\"adminState\":\"IN_MAINTENANCE\",\"maintenanceExpireTimeInMS\":{}}}",
                until_ms.unwrap_or(i64::MAX as u64)
            ),
        });
    }
    format!("[\n{}\n]\n", lines.join(",\n")).into_bytes()
}

/// The NodeManagers the ResourceManagers admit: all of them (an excluded
/// host must still be included to be decommissioned gracefully).
pub fn host_lists_yarn_include(topo: &Topology) -> Vec<u8> {
    lines(topo.hosts("nodemanager").iter())
}

/// The NodeManagers decommissioned.
pub fn host_lists_yarn_exclude(topo: &Topology) -> Vec<u8> {
    lines(
        topo.hosts("nodemanager")
            .iter()
            .filter(|h| topo.worker_state(h) == WorkerState::Decommissioned),
    )
}

fn lines<'a>(hosts: impl Iterator<Item = &'a String>) -> Vec<u8> {
    let mut out = String::new();
    for h in hosts {
        out.push_str(h);
        out.push('\n');
    }
    out.into_bytes()
}

/// Both YARN lists, for a digest that changes when either does.
pub fn host_lists_yarn(topo: &Topology) -> Vec<u8> {
    let mut out = host_lists_yarn_include(topo);
    out.extend_from_slice(b"--\n");
    out.extend(host_lists_yarn_exclude(topo));
    out
}
