//! What every planner of a restart reads (the topology, the snapshot, the
//! configured ports, the HA roles predicted so far) and the stages they add
//! to. Each service family's planner is an `impl Planner` of its own file.

use super::predict::Predicted;
use super::request::Refusal;
use super::stages::Stages;
use crate::hadoop::Topology;
use crate::hadoop::daemon_control::hdfs_admin;
use crate::hadoop::observe::{Layout, Readings};
use crate::hadoop::ports::ClusterPorts;
use crate::hadoop::services::{self, Service};

pub(super) struct Planner<'a> {
    /// When the restart began: see [`super::Options::since`].
    pub(super) since: Option<u64>,
    pub(super) topo: &'a Topology,
    pub(super) layout: &'a Layout,
    pub(super) readings: &'a Readings,
    pub(super) ports: ClusterPorts,
    pub(super) out: Stages,
    pub(super) state: Predicted,
    /// The effective `dfs.replication`, or why it is not a number.
    pub(super) replication: Result<usize, String>,
    /// See [`super::Options::tolerate_unreachable`].
    pub(super) tolerate_unreachable: bool,
    /// An upgrade's new software, which each bounce moves its daemon to.
    pub(super) software: Option<super::Software>,
}

impl Planner<'_> {
    pub(super) fn service(role: &str) -> &'static Service {
        services::service(role).expect("restart roles are in the service table")
    }

    pub(super) fn running(&self, host: &str, role: &str) -> bool {
        self.readings.runs(host, role) == Some(true)
    }

    /// How many of `role`'s daemons run now: what its master must count
    /// again after each batch. Not every host of the role: a worker in
    /// maintenance may be off, a decommissioned one is stopped, one already
    /// down stays down (the refusals weigh those).
    pub(super) fn serving(&self, role: &str) -> usize {
        self.topo.hosts(role).len() - self.down(role).len()
    }

    /// The hosts of `role` the snapshot does not see running.
    pub(super) fn down(&self, role: &str) -> Vec<&String> {
        self.topo
            .hosts(role)
            .iter()
            .filter(|h| !self.running(h, role))
            .collect()
    }

    pub(super) fn replication(&self) -> Result<usize, Refusal> {
        self.replication.clone().map_err(Refusal::BadInput)
    }

    /// The hdfs tool as the HDFS superuser, for the admin commands.
    pub(super) fn hdfs(&self) -> String {
        hdfs_admin(&self.topo.settings)
    }

    /// The web (or client) port of `role` on `host`, as configured.
    pub(super) fn web_port(&self, host: &str, role: &str) -> Result<u16, Refusal> {
        let svc = Self::service(role);
        svc.web_port(self.ports.host(host))
            .ok_or_else(|| no_port(role, host, svc.web_source.unwrap_or("web")))
    }

    /// The port the readiness probe of `role` on `host` checks, as configured.
    pub(super) fn readiness_port(&self, host: &str, role: &str) -> Result<u16, Refusal> {
        Self::service(role)
            .readiness_port(self.ports.host(host))
            .ok_or_else(|| no_port(role, host, "readiness"))
    }

    /// Every host of the step must answer, or nothing there can be stopped safely.
    pub(super) fn reachable(&self, role: &str, hosts: &[String]) -> Result<(), Refusal> {
        for h in hosts {
            match self.readings.hosts.get(h) {
                Some(Ok(_)) => {}
                // Left to the run's budget (the batch refusals count it down).
                Some(Err(_))
                    if self.tolerate_unreachable
                        && crate::hadoop::lifecycle::WORKER_ROLES.contains(&role) => {}
                Some(Err(e)) => {
                    return Err(Refusal::Unsafe(format!(
                        "refusing to restart {role}: {h} is unreachable ({e})"
                    )));
                }
                None => {
                    return Err(Refusal::Unsafe(format!(
                        "refusing to restart {role}: {h} was not read"
                    )));
                }
            }
        }
        Ok(())
    }
}

/// A port the gates need that the configuration does not fix (port 0, or
/// no such service on the host): nothing could be probed.
pub(super) fn no_port(role: &str, host: &str, which: &str) -> Refusal {
    Refusal::BadInput(format!(
        "cannot probe {role} on {host}: its configuration gives it no {which} port"
    ))
}

/// The members of a quorum in restart order: the leader last, since its
/// restart costs the one election.
pub(super) fn leader_last(hosts: &[String], leader: Option<&str>) -> Vec<String> {
    let (mut order, lead): (Vec<String>, Vec<String>) = hosts
        .iter()
        .cloned()
        .partition(|h| Some(h.as_str()) != leader);
    order.extend(lead);
    order
}
