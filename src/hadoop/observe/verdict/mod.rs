//! The verdict on a cluster: a pure function of the [`Layout`] and the
//! [`Readings`], so every way a cluster can be degraded is testable without
//! one. Each service family words its own problems; [`assess`] puts them
//! together in the order the table lists them.

mod ha_pair;
mod health;
mod mesos;
mod services;
mod status;
mod versions;
mod words;
mod workers;
mod zookeeper;

pub use status::{ClusterSummary, HealthSummary, HostProblem, HostRow, ServiceRow, Status};
pub(super) use words::join_ports;

use super::layout::Layout;
use super::readings::Readings;

/// The verdict on a cluster from what was read. Pure.
pub fn assess(layout: &Layout, r: &Readings) -> Status {
    let mut host_problems = Vec::new();
    let rows = services::rows(layout, r, &mut host_problems);
    let mut problems: Vec<String> = host_problems.iter().map(HostProblem::words).collect();
    let hdfs = ha_pair::namenodes(layout, r, &mut problems);
    let yarn = ha_pair::resourcemanagers(layout, r, &mut problems);
    let zookeeper_leader = zookeeper::leader(r, &mut problems);
    let mesos = mesos::leader(layout, r, &mut problems);
    let workers = workers::states(layout, r, &mut problems);
    let mut warnings = Vec::new();
    let health = health::assess(layout, r, &mut problems, &mut warnings);
    versions::mismatches(layout, r, &mut warnings);
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
        rolling_upgrade: versions::rolling_upgrade(r),
        out_of_service: workers,
        healthy: problems.is_empty(),
        problems,
        host_problems,
        warnings,
    };
    Status {
        hosts: rows.hosts,
        services: rows.services,
        cluster,
        health,
    }
}
