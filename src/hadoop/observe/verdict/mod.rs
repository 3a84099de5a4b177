//! The verdict on a cluster: a pure function of the [`Layout`] and the
//! [`Readings`], so every way a cluster can be degraded is testable without
//! one. Each service family words its own problems; [`assess`] puts them
//! together in the order the table lists them.

mod ha_pair;
mod mesos;
mod services;
mod zookeeper;

use std::collections::BTreeMap;

use serde::Serialize;

use super::layout::Layout;
use super::readings::{Answer, Proc, Readings};

/// One host line.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HostRow {
    pub host: String,
    pub reachable: bool,
    pub error: Option<String>,
    /// Services whose configuration changed since they started.
    pub stale: Vec<String>,
}

/// One host x service line.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ServiceRow {
    pub host: String,
    pub service: String,
    /// `running`, `down`, `unreachable`.
    pub state: String,
    pub pid: Option<u32>,
    pub listening: Vec<u16>,
    /// Expected ports nothing listens on.
    pub missing_ports: Vec<u16>,
    /// HA role: active/standby, ACTIVE/STANDBY, leader/follower, leading/standby.
    pub ha: Option<String>,
    pub stale: bool,
    /// Why it is not fine, in words.
    pub note: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClusterSummary {
    /// `nn1 (master1)`.
    pub active_namenode: Option<String>,
    pub active_resourcemanager: Option<String>,
    pub zookeeper_leader: Option<String>,
    pub mesos_leader: Option<String>,
    pub datanodes_live: Option<u64>,
    pub datanodes_expected: usize,
    pub nodemanagers: Option<u64>,
    pub nodemanagers_expected: usize,
    pub agents: Option<u64>,
    pub agents_expected: usize,
    pub safemode: Option<bool>,
    /// Host -> services whose configuration changed since they started.
    pub stale: BTreeMap<String, Vec<String>>,
    pub healthy: bool,
    pub problems: Vec<String>,
}

/// The whole picture, as printed and as `--json`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Status {
    pub hosts: Vec<HostRow>,
    pub services: Vec<ServiceRow>,
    pub cluster: ClusterSummary,
}

/// The verdict on a cluster from what was read. Pure.
pub fn assess(layout: &Layout, r: &Readings) -> Status {
    let mut problems = Vec::new();
    let rows = services::rows(layout, r, &mut problems);
    let hdfs = ha_pair::namenodes(layout, r, &mut problems);
    let yarn = ha_pair::resourcemanagers(layout, r, &mut problems);
    let zookeeper_leader = zookeeper::leader(r, &mut problems);
    let mesos = mesos::leader(layout, r, &mut problems);
    let cluster = ClusterSummary {
        active_namenode: hdfs.active,
        active_resourcemanager: yarn.active,
        zookeeper_leader,
        mesos_leader: mesos.leader,
        datanodes_live: hdfs.workers,
        datanodes_expected: layout.datanodes,
        nodemanagers: yarn.workers,
        nodemanagers_expected: layout.nodemanagers,
        agents: mesos.agents,
        agents_expected: layout.agents,
        safemode: hdfs.safemode,
        stale: rows.stale,
        healthy: problems.is_empty(),
        problems,
    };
    Status {
        hosts: rows.hosts,
        services: rows.services,
        cluster,
    }
}

/// Why `host` could not be read, if it could not.
fn unreachable(r: &Readings, host: &str) -> Option<String> {
    match r.hosts.get(host) {
        Some(Ok(_)) => None,
        Some(Err(e)) => Some(e.clone()),
        None => Some("not read".into()),
    }
}

/// The HA lines name a daemon "down" when its pid file says so, rather
/// than repeating the refused connection.
fn down(r: &Readings, host: &str, role: &str) -> bool {
    matches!(r.hosts.get(host), Some(Ok(hr)) if !hr.procs.get(role).is_some_and(Proc::runs))
}

fn who(id: &str, host: &str) -> String {
    format!("{id} ({host})")
}

fn answer_word<T: std::fmt::Display>(a: &Answer<T>) -> String {
    match a {
        Ok(v) => v.to_string(),
        Err(e) => e.clone(),
    }
}

pub(super) fn join_ports(ports: &[u16]) -> String {
    ports
        .iter()
        .map(u16::to_string)
        .collect::<Vec<_>>()
        .join(",")
}
