//! The human table of a [`Status`]: a line per host x service, the cluster
//! lines, and the problems.

use super::verdict::{HealthSummary, Status, join_ports};
use crate::hadoop::settings::human_bytes;
use crate::report::columns;

fn opt<T: std::fmt::Display>(v: &Option<T>) -> String {
    v.as_ref().map_or("?".to_string(), T::to_string)
}

/// The human table, cluster lines and problems, as printed.
pub fn format(status: &Status) -> String {
    let mut rows: Vec<[String; 8]> = Vec::new();
    for s in &status.services {
        let host_err = status
            .hosts
            .iter()
            .find(|h| h.host == s.host)
            .and_then(|h| h.error.clone());
        let state = match s.state.as_str() {
            "running" if !s.missing_ports.is_empty() => "RUNNING?".to_string(),
            "running" => "running".to_string(),
            "down" => "DOWN".to_string(),
            "unreachable" => "UNREACHABLE".to_string(),
            other => other.to_string(),
        };
        let ports = if s.state == "running" {
            let mut p = join_ports(&s.listening);
            if !s.missing_ports.is_empty() {
                p.push_str(&format!(" (not {})", join_ports(&s.missing_ports)));
            }
            p
        } else {
            String::new()
        };
        let detail = if s.state == "unreachable" {
            host_err.unwrap_or_default()
        } else {
            let mut d = Vec::new();
            if s.stale {
                d.push("config stale".to_string());
            }
            // The ports column already says what a listening problem is.
            if (s.state == "down" || s.missing_ports.is_empty())
                && let Some(n) = &s.note
            {
                d.push(n.clone());
            }
            d.join("; ")
        };
        rows.push([
            s.host.clone(),
            s.service.clone(),
            state,
            s.pid.map_or(String::new(), |p| p.to_string()),
            s.supervisor.clone().unwrap_or_default(),
            s.version.clone().unwrap_or_default(),
            ports,
            [s.ha.clone().unwrap_or_default(), detail]
                .into_iter()
                .filter(|x| !x.is_empty())
                .collect::<Vec<_>>()
                .join("  "),
        ]);
    }
    // Hosts without any role still show, so an unreachable one is not hidden.
    for h in &status.hosts {
        if !status.services.iter().any(|s| s.host == h.host) {
            rows.push([
                h.host.clone(),
                "-".into(),
                if h.reachable {
                    "reachable".into()
                } else {
                    "UNREACHABLE".into()
                },
                String::new(),
                String::new(),
                String::new(),
                String::new(),
                h.error.clone().unwrap_or_default(),
            ]);
        }
    }
    let header = [
        "HOST",
        "SERVICE",
        "STATE",
        "PID",
        "SUPERVISOR",
        "VERSION",
        "PORTS",
        "HA / NOTES",
    ]
    .map(String::from);
    let widths = columns::widths(&header.each_ref().map(String::as_str), &rows);
    let line = |cells: &[String]| columns::line(cells, &widths);
    let mut out = String::new();
    out.push_str(&line(&header));
    out.push('\n');
    let mut last_host = String::new();
    for r in &rows {
        let mut cells = r.clone();
        if cells[0] == last_host {
            cells[0] = String::new();
        } else {
            last_host = cells[0].clone();
        }
        out.push_str(&line(&cells));
        out.push('\n');
    }
    let c = &status.cluster;
    out.push('\n');
    let mut cl = Vec::new();
    cl.push(format!(
        "active NameNode:          {}",
        c.active_namenode.as_deref().unwrap_or("NONE")
    ));
    cl.push(format!(
        "active ResourceManager:   {}",
        c.active_resourcemanager.as_deref().unwrap_or("NONE")
    ));
    cl.push(format!(
        "ZooKeeper leader:         {}",
        c.zookeeper_leader.as_deref().unwrap_or("NONE")
    ));
    if c.agents_expected > 0 || c.mesos_leader.is_some() {
        cl.push(format!(
            "Mesos leader:             {}",
            c.mesos_leader.as_deref().unwrap_or("NONE")
        ));
    }
    cl.push(format!(
        "DataNodes live:           {} / {}",
        opt(&c.datanodes_live),
        c.datanodes_expected
    ));
    cl.push(format!(
        "NodeManagers registered:  {} / {}",
        opt(&c.nodemanagers),
        c.nodemanagers_expected
    ));
    if c.agents_expected > 0 {
        cl.push(format!(
            "Mesos agents activated:   {} / {}",
            opt(&c.agents),
            c.agents_expected
        ));
    }
    cl.push(format!(
        "workers out of service:   {}",
        if c.out_of_service.is_empty() {
            "none".to_string()
        } else {
            c.out_of_service
                .iter()
                .map(|(h, s)| format!("{h} ({s})"))
                .collect::<Vec<_>>()
                .join(", ")
        }
    ));
    cl.push(format!(
        "safe mode:                {}",
        match c.safemode {
            Some(true) => "ON",
            Some(false) => "off",
            None => "?",
        }
    ));
    cl.push(format!(
        "config:                   {}",
        if c.stale.is_empty() {
            "current".to_string()
        } else {
            format!(
                "stale on {} (restart to apply)",
                c.stale
                    .iter()
                    .map(|(h, s)| format!("{h}: {}", s.join(", ")))
                    .collect::<Vec<_>>()
                    .join("; ")
            )
        }
    ));
    if let Some(ru) = &c.rolling_upgrade {
        cl.push(format!("rolling upgrade:          {ru}"));
    }
    cl.extend(health_lines(&status.health));
    for l in cl {
        out.push_str(&l);
        out.push('\n');
    }
    out.push('\n');
    let warned = match c.warnings.len() {
        0 => String::new(),
        n => format!(", {n} warning(s)"),
    };
    if c.healthy {
        out.push_str(&format!("healthy{warned}\n"));
    } else {
        out.push_str(&format!(
            "DEGRADED: {} problem(s){warned}\n",
            c.problems.len()
        ));
        for p in &c.problems {
            out.push_str(&format!("  - {p}\n"));
        }
    }
    for w in &c.warnings {
        out.push_str(&format!("  ! {w}\n"));
    }
    out
}

/// The health figures in three lines: HDFS objects and space, the
/// NameNode's heap, YARN's applications and memory.
fn health_lines(h: &HealthSummary) -> Vec<String> {
    let hdfs = match &h.hdfs {
        Some(f) => format!(
            "{} files, {} blocks (missing {}, corrupt {}, under-replicated {}); used {} of {}",
            f.files,
            f.blocks,
            f.missing_blocks,
            f.corrupt_blocks,
            f.under_replicated_blocks,
            human_bytes(f.capacity_used),
            human_bytes(f.capacity_total)
        ),
        None => "?".into(),
    };
    let heap = match (
        h.hdfs.as_ref().and_then(|f| f.heap.as_ref()),
        h.suggested_namenode_heap,
    ) {
        (Some(heap), Some(want)) => format!(
            "{} used of {} (the rule asks {})",
            human_bytes(heap.used),
            human_bytes(heap.max),
            human_bytes(want)
        ),
        _ => "?".into(),
    };
    let yarn = match &h.yarn {
        Some(y) => format!(
            "apps {} running, {} pending; memory {} of {} MB",
            y.apps_running, y.apps_pending, y.memory_allocated_mb, y.memory_total_mb
        ),
        None => "?".into(),
    };
    vec![
        format!("HDFS objects:             {hdfs}"),
        format!("NameNode heap:            {heap}"),
        format!("YARN:                     {yarn}"),
    ]
}
