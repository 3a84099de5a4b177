//! What the inventory says should be running on each host, resolved to pid
//! files, ports and the endpoints that tell an HA role.

use std::collections::BTreeMap;

use crate::hadoop::lifecycle::{WORKER_ROLES, WorkerState};
use crate::hadoop::ports::{PortUse, host_ports};
use crate::hadoop::services::{self, Service};
use crate::hadoop::settings::{Health, Supervisor};
use crate::hadoop::{Topology, render};
use crate::model::Inventory;

/// What the inventory says should be running, resolved to pid files and ports.
#[derive(Debug, Clone, PartialEq)]
pub struct Layout {
    pub hosts: Vec<HostLayout>,
    /// (NameNode id, host).
    pub namenodes: Vec<(String, String)>,
    /// (ResourceManager id, host).
    pub resourcemanagers: Vec<(String, String)>,
    /// (myid, host).
    pub zookeepers: Vec<(u32, String)>,
    pub mesos_masters: Vec<String>,
    pub datanodes: usize,
    pub nodemanagers: usize,
    pub agents: usize,
    pub stale_file: String,
    /// Workers out of service, as herd's record says: their daemons may be
    /// down, and no count expects them.
    pub out_of_service: BTreeMap<String, WorkerState>,
    /// The thresholds the health figures are judged by (`vars.health`).
    pub health: Health,
}

#[derive(Debug, Clone, PartialEq)]
pub struct HostLayout {
    pub name: String,
    pub services: Vec<ExpectedService>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ExpectedService {
    pub role: &'static str,
    pub pid_file: String,
    /// Its systemd unit, where the host's supervisor is systemd.
    pub unit: Option<String>,
    /// Ports it must listen on.
    pub ports: Vec<u16>,
    /// Where its HA-role endpoint answers (web or client port).
    pub web_port: Option<u16>,
}

impl Layout {
    /// The layout of a validated inventory.
    pub fn new(inv: &Inventory, topo: &Topology) -> Layout {
        let site = render::site_configs(inv, topo);
        let hosts = inv
            .hosts
            .iter()
            .map(|h| {
                let uses: Vec<PortUse> = host_ports(topo, &site, h);
                let systemd = topo.supervisor(&h.name) == Supervisor::Systemd;
                let services = services::on_host(h)
                    .into_iter()
                    .map(|s: &Service| ExpectedService {
                        role: s.role,
                        pid_file: s.pid_file(&topo.settings),
                        unit: systemd.then(|| s.unit_file()),
                        ports: s.listen_ports(&uses),
                        web_port: s.web_port(&uses),
                    })
                    .collect();
                HostLayout {
                    name: h.name.clone(),
                    services,
                }
            })
            .collect();
        Layout {
            hosts,
            namenodes: topo.namenodes.clone(),
            resourcemanagers: topo.resourcemanagers.clone(),
            zookeepers: topo.zookeepers.clone(),
            mesos_masters: topo.hosts("mesos-master").to_vec(),
            datanodes: topo.in_service("datanode").len(),
            nodemanagers: topo.in_service("nodemanager").len(),
            agents: topo.in_service("mesos-agent").len(),
            stale_file: topo.settings.stale_file(),
            out_of_service: topo
                .out_of_service()
                .into_iter()
                .map(|h| {
                    let st = topo.worker_state(&h);
                    (h, st)
                })
                .collect(),
            health: topo.settings.health.clone(),
        }
    }

    /// The lifecycle state of `host` when `role` is one of its worker
    /// roles and it is out of service.
    pub fn out_of_service(&self, host: &str, role: &str) -> Option<WorkerState> {
        WORKER_ROLES
            .contains(&role)
            .then(|| self.out_of_service.get(host).copied())
            .flatten()
    }

    pub fn host(&self, name: &str) -> Option<&HostLayout> {
        self.hosts.iter().find(|h| h.name == name)
    }

    /// The port where `role` on `host` answers for its HA role, if it runs there.
    pub(super) fn web_port(&self, host: &str, role: &str) -> Option<u16> {
        self.host(host)?
            .services
            .iter()
            .find(|s| s.role == role)?
            .web_port
    }
}
