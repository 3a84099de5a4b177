//! The human table of a [`Status`]: a line per host x service (services on
//! many hosts folded into counts and their exceptions), the cluster lines,
//! and the problems.

use std::collections::{HashMap, HashSet};

use super::fold;
use super::verdict::{HealthSummary, ServiceRow, Status, join_ports};
use crate::hadoop::settings::human_bytes;
use crate::report::columns;

fn opt<T: std::fmt::Display>(v: &Option<T>) -> String {
    v.as_ref().map_or("?".to_string(), T::to_string)
}

/// The table's cells of one service row: host, service, state, pid,
/// supervisor, version, ports, HA role and notes.
fn cells(s: &ServiceRow, host_err: Option<&str>) -> [String; 8] {
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
        host_err.unwrap_or_default().to_string()
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
    [
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
    ]
}

/// The human table, cluster lines and problems, as printed. Services on
/// many hosts are folded (see [`fold`]).
pub fn format(status: &Status) -> String {
    let errors: HashMap<&str, &str> = status
        .hosts
        .iter()
        .filter_map(|h| Some((h.host.as_str(), h.error.as_deref()?)))
        .collect();
    let all: Vec<[String; 8]> = status
        .services
        .iter()
        .map(|s| cells(s, errors.get(s.host.as_str()).copied()))
        .collect();
    let folded = fold::folded_services(&status.services);
    let folding = fold::fold(&status.services, &all, &folded);
    let mut rows: Vec<[String; 8]> = status
        .services
        .iter()
        .zip(&all)
        .filter(|(s, _)| !folded.contains(s.service.as_str()))
        .map(|(_, c)| c.clone())
        .collect();
    // Hosts without any role still show, so an unreachable one is not hidden.
    let mut with_roles: HashSet<&str> = HashSet::new();
    for s in &status.services {
        with_roles.insert(s.host.as_str());
    }
    for h in &status.hosts {
        if !with_roles.contains(h.host.as_str()) {
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
    let exceptions: Vec<[String; 8]> = folding
        .exceptions
        .iter()
        .take(fold::EXCEPTIONS_SHOWN)
        .map(|&i| all[i].clone())
        .collect();
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
    // The exceptions line up under the hosts listed in full.
    let widths = columns::widths(
        &header.each_ref().map(String::as_str),
        &[rows.as_slice(), exceptions.as_slice()].concat(),
    );
    let mut out = String::new();
    if !rows.is_empty() || folded.is_empty() {
        host_lines(&mut out, &header, &rows, &widths);
    }
    if !folded.is_empty() {
        if !rows.is_empty() {
            out.push('\n');
        }
        out.push_str(&group_lines(status, &all, &folding));
        let n = folding.exceptions.len();
        if n > 0 {
            out.push_str(&format!("\nunlike most of their service ({n}):\n"));
            host_lines(&mut out, &header, &exceptions, &widths);
            if n > exceptions.len() {
                out.push_str(&format!(
                    "... and {} more (herd status --json lists every host)\n",
                    n - exceptions.len()
                ));
            }
        }
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
        } else if c.out_of_service.len() <= fold::FOLD_ABOVE {
            c.out_of_service
                .iter()
                .map(|(h, s)| format!("{h} ({s})"))
                .collect::<Vec<_>>()
                .join(", ")
        } else {
            alike(
                c.out_of_service
                    .iter()
                    .map(|(h, s)| (h.as_str(), s.clone())),
            )
            .iter()
            .map(|(s, hs)| format!("{s} on {} ({})", fold::hosts(hs.len()), fold::names(hs)))
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
        } else if c.stale.len() > fold::FOLD_ABOVE {
            format!(
                "stale on {} (restart to apply)",
                alike(c.stale.iter().map(|(h, s)| (h.as_str(), s.join(", "))))
                    .iter()
                    .map(|(s, hs)| format!("{} ({}): {s}", fold::hosts(hs.len()), fold::names(hs)))
                    .collect::<Vec<_>>()
                    .join("; ")
            )
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
        for p in fold::problem_lines(status, &folded) {
            out.push_str(&format!("  - {p}\n"));
        }
    }
    for w in &c.warnings {
        out.push_str(&format!("  ! {w}\n"));
    }
    out
}

/// The header and a line per row, each host named on its first line only.
fn host_lines(out: &mut String, header: &[String; 8], rows: &[[String; 8]], widths: &[usize]) {
    out.push_str(&columns::line(header, widths));
    out.push('\n');
    let mut last_host = String::new();
    for r in rows {
        let mut cells = r.clone();
        if cells[0] == last_host {
            cells[0] = String::new();
        } else {
            last_host = cells[0].clone();
        }
        out.push_str(&columns::line(&cells, widths));
        out.push('\n');
    }
}

/// The folded services' counts: a line per service and state alike.
fn group_lines(status: &Status, cells: &[[String; 8]], folding: &fold::Fold) -> String {
    let header = [
        "HOSTS",
        "SERVICE",
        "STATE",
        "SUPERVISOR",
        "VERSION",
        "NOTES",
    ]
    .map(String::from);
    let rows: Vec<[String; 6]> = folding
        .groups
        .iter()
        .map(|g| {
            let c = &cells[g.first];
            [
                g.count.to_string(),
                status.services[g.first].service.clone(),
                c[2].clone(),
                c[4].clone(),
                c[5].clone(),
                g.notes.clone(),
            ]
        })
        .collect();
    let widths = columns::widths(&header.each_ref().map(String::as_str), &rows);
    let mut out = columns::line(&header, &widths);
    out.push('\n');
    for r in &rows {
        // Counts right-aligned, so they read as a column of numbers.
        let mut r = r.clone();
        r[0] = format!("{:>w$}", r[0], w = widths[0]);
        out.push_str(&columns::line(&r, &widths));
        out.push('\n');
    }
    out
}

/// Hosts grouped by what is said of each, in first-seen order: how the
/// cluster lines name many hosts.
fn alike<'a>(items: impl Iterator<Item = (&'a str, String)>) -> Vec<(String, Vec<&'a str>)> {
    let mut groups: Vec<(String, Vec<&str>)> = Vec::new();
    let mut at: HashMap<String, usize> = HashMap::new();
    for (h, said) in items {
        match at.get(&said) {
            Some(&i) => groups[i].1.push(h),
            None => {
                at.insert(said.clone(), groups.len());
                groups.push((said, vec![h]));
            }
        }
    }
    groups
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
