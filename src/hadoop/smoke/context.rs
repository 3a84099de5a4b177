//! What every check sees: the cluster's layout and settings, the ports
//! its services bind (from the rendered configuration, so an override
//! counts), the hosts, the run's id, and the findings of earlier checks.

use std::sync::{Mutex, MutexGuard};

use super::findings::Findings;
use super::remote::Remote;
use crate::hadoop::daemon_control::client_as;
use crate::hadoop::ports::ClusterPorts;
use crate::hadoop::services::service;
use crate::hadoop::settings::{Account, Settings};
use crate::hadoop::topology::Topology;
use crate::model::Inventory;

pub struct Smoke<'a> {
    pub inv: &'a Inventory,
    pub topo: &'a Topology,
    pub ports: ClusterPorts,
    pub remote: Remote<'a>,
    /// Names what the checks make (`/herd-smoke-<id>`), so a cleanup, or
    /// an operator, finds it.
    pub id: String,
    findings: Mutex<Findings>,
}

impl<'a> Smoke<'a> {
    pub fn new(inv: &'a Inventory, topo: &'a Topology, remote: Remote<'a>, id: String) -> Self {
        Smoke {
            inv,
            topo,
            ports: ClusterPorts::new(inv, topo),
            remote,
            id,
            findings: Mutex::new(Findings::default()),
        }
    }

    pub fn settings(&self) -> &Settings {
        &self.topo.settings
    }

    /// The name every check gives what it makes: `herd-smoke-<id>`.
    pub fn name(&self) -> String {
        format!("herd-smoke-{}", self.id)
    }

    /// The web (or client) port `role` answers on at `host`, as configured.
    pub fn port(&self, host: &str, role: &str) -> Result<u16, String> {
        service(role)
            .and_then(|svc| svc.web_port(self.ports.host(host)))
            .ok_or_else(|| format!("no {role} port is configured for {host}"))
    }

    /// `cmd` run by root as the account of `a` (see [`client_as`]).
    pub fn as_account(&self, a: Account, cmd: &str) -> String {
        client_as(self.settings(), self.settings().users.name(a), cmd)
    }

    pub fn user(&self, a: Account) -> &str {
        self.settings().users.name(a)
    }

    pub fn findings(&self) -> MutexGuard<'_, Findings> {
        // A check that panicked leaves nothing half-written worth refusing.
        self.findings.lock().unwrap_or_else(|e| e.into_inner())
    }
}
