//! Which host runs what, checked against the rules of an HA cluster before
//! anything runs: quorum sizes, NameNode/ZKFC pairs, one JobHistory server,
//! and the types of the settings under `vars`. Every error names the field
//! and line to fix. The ports come after, in [`super::validate`].

use super::default_ports::ZOOKEEPER_CLIENT;
use std::collections::BTreeMap;

use crate::model::{Host, Inventory, ModelError};

use super::ROLES;
use super::lifecycle::{Record, WorkerState};
use super::settings::{self, Settings, Supervisor};

/// The validated cluster layout.
#[derive(Debug, Clone, PartialEq)]
pub struct Topology {
    pub settings: Settings,
    /// Role -> host names in inventory order; roles no host has are absent.
    pub roles: BTreeMap<String, Vec<String>>,
    /// (NameNode id, host) in the order of the namenode hosts: nn1, nn2, ...
    pub namenodes: Vec<(String, String)>,
    /// (ResourceManager id, host): rm1, rm2, ...
    pub resourcemanagers: Vec<(String, String)>,
    /// (myid, host): 1..n in the order of the zookeeper hosts.
    pub zookeepers: Vec<(u32, String)>,
    /// ZooKeeper client port (2181 unless zoo.cfg's clientPort is overridden).
    pub zk_client_port: u16,
    /// Mesos replicated-log quorum: a majority of the masters; None without masters.
    pub mesos_quorum: Option<usize>,
    /// Host -> rack, for the hosts that have `vars.rack`.
    pub racks: BTreeMap<String, String>,
    /// Host -> what keeps its daemons running; every host is present.
    pub supervisors: BTreeMap<String, Supervisor>,
    /// Acceptable but risky layouts, for the caller to print.
    pub warnings: Vec<String>,
    /// Workers out of service (maintenance, decommissioned), as herd's
    /// record beside the inventory says; see [`super::lifecycle::record`].
    pub record: Record,
}

impl Topology {
    /// Hosts with `role`, in inventory order.
    pub fn hosts(&self, role: &str) -> &[String] {
        self.roles.get(role).map(Vec::as_slice).unwrap_or(&[])
    }
    /// Where worker `host` stands: in service unless the record says otherwise.
    pub fn worker_state(&self, host: &str) -> WorkerState {
        self.record.state(host)
    }
    /// Hosts with `role` that are in service (not in maintenance, not
    /// decommissioned): what gates count and restarts touch.
    pub fn in_service(&self, role: &str) -> Vec<String> {
        self.hosts(role)
            .iter()
            .filter(|h| self.worker_state(h).in_service())
            .cloned()
            .collect()
    }
    /// Inventory hosts out of service, in inventory order.
    pub fn out_of_service(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for role in super::lifecycle::WORKER_ROLES {
            for h in self.hosts(role) {
                if !self.worker_state(h).in_service() && !out.contains(h) {
                    out.push(h.clone());
                }
            }
        }
        out
    }
    /// What keeps `host`'s daemons running.
    pub fn supervisor(&self, host: &str) -> Supervisor {
        self.supervisors.get(host).copied().unwrap_or_default()
    }
    pub fn namenode_id(&self, host: &str) -> Option<&str> {
        find_id(&self.namenodes, host)
    }
    pub fn resourcemanager_id(&self, host: &str) -> Option<&str> {
        find_id(&self.resourcemanagers, host)
    }
    pub fn zookeeper_myid(&self, host: &str) -> Option<u32> {
        self.zookeepers
            .iter()
            .find(|(_, h)| h == host)
            .map(|(id, _)| *id)
    }
    /// `master1:2181,master2:2181,master3:2181`.
    pub fn zk_quorum(&self) -> String {
        self.zookeepers
            .iter()
            .map(|(_, h)| format!("{h}:{}", self.zk_client_port))
            .collect::<Vec<_>>()
            .join(",")
    }
    /// `zk://master1:2181,.../mesos`, what Mesos masters and agents are given.
    pub fn mesos_zk_url(&self) -> String {
        format!("zk://{}{}", self.zk_quorum(), self.settings.mesos.zk_path)
    }
    /// The nameservice's JournalNode URI: `qjournal://jn1:8485;jn2:8485;jn3:8485/<ns>`.
    pub fn qjournal_uri(&self, jn_port: u16) -> String {
        let jns: Vec<String> = self
            .hosts("journalnode")
            .iter()
            .map(|h| format!("{h}:{jn_port}"))
            .collect();
        format!("qjournal://{}/{}", jns.join(";"), self.settings.nameservice)
    }
    pub fn has_role(&self, host: &str, role: &str) -> bool {
        self.hosts(role).iter().any(|h| h == host)
    }
}

fn find_id<'a>(ids: &'a [(String, String)], host: &str) -> Option<&'a str> {
    ids.iter()
        .find(|(_, h)| h == host)
        .map(|(id, _)| id.as_str())
}

/// Locates errors about hosts: each expanded host maps back to its entry in
/// the inventory's `hosts` list through the entry's line.
pub(crate) struct Locator<'a> {
    pub inv: &'a Inventory,
}

impl Locator<'_> {
    /// Index of the `hosts[]` entry `host` came from.
    pub fn entry(&self, host: &Host) -> Option<usize> {
        (0..)
            .take_while(|k| self.inv.spans.contains(&format!("hosts[{k}]")))
            .find(|k| {
                self.inv
                    .spans
                    .value(&format!("hosts[{k}]"))
                    .is_some_and(|l| l.line == host.line)
            })
    }

    /// An error at `path` (a field of the inventory).
    pub fn at(&self, path: &str, message: impl Into<String>) -> ModelError {
        ModelError {
            location: self.inv.spans.nearest(path),
            field: path.to_string(),
            message: message.into(),
        }
    }

    /// An error about `role` on `host`: at the role in the host's roles list.
    pub fn role(&self, host: &Host, role: &str, message: impl Into<String>) -> ModelError {
        match self.entry(host) {
            Some(k) => {
                let path = match host.roles.iter().position(|r| r == role) {
                    Some(j) => format!("hosts[{k}].roles[{j}]"),
                    None => format!("hosts[{k}].roles"),
                };
                self.at(&path, message)
            }
            None => ModelError {
                location: Some(crate::model::Location {
                    file: self.inv.path.clone(),
                    line: host.line,
                    column: 1,
                }),
                field: format!("host {}", host.name),
                message: message.into(),
            },
        }
    }

    /// An error about the number of `role` hosts: at the last host carrying
    /// the role (the one that tipped the count), or at `hosts` when none does.
    pub fn count(&self, role: &str, message: impl Into<String>) -> ModelError {
        match self.inv.with_role(role).last() {
            Some(h) => self.role(h, role, message),
            None => {
                let location = self
                    .inv
                    .spans
                    .key("hosts")
                    .or_else(|| self.inv.spans.nearest(""));
                ModelError {
                    location,
                    field: "hosts".into(),
                    message: message.into(),
                }
            }
        }
    }
}

/// Work out the cluster's layout and check it against the rules of an HA
/// cluster; the layout comes with every problem found, unsorted.
pub fn layout(inv: &Inventory) -> (Topology, Vec<ModelError>) {
    let mut errors = Vec::new();
    let settings = settings::read(inv, &mut errors);
    let loc = Locator { inv };
    let mut warnings = Vec::new();

    // Unknown roles, once per hosts[] entry (a range expands to many hosts).
    let mut reported = std::collections::BTreeSet::new();
    for host in &inv.hosts {
        for role in &host.roles {
            if !ROLES.contains(&role.as_str()) && reported.insert((host.line, role.clone())) {
                errors.push(loc.role(
                    host,
                    role,
                    format!("unknown role '{role}' (known roles: {})", ROLES.join(", ")),
                ));
            }
        }
    }

    let mut roles: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for role in ROLES {
        let hosts: Vec<String> = inv.with_role(role).map(|h| h.name.clone()).collect();
        if !hosts.is_empty() {
            roles.insert(role.to_string(), hosts);
        }
    }
    let names = |role: &str| roles.get(role).map(|v| v.join(", ")).unwrap_or_default();
    let count = |role: &str| roles.get(role).map_or(0, Vec::len);

    match count("zookeeper") {
        0 => errors.push(loc.count(
            "zookeeper",
            "no host has the zookeeper role: NameNode failover, ResourceManager HA and Mesos all need a ZooKeeper quorum (3 hosts)",
        )),
        1 => warnings.push(format!(
            "only one zookeeper host ({}): it is a single point of failure for NameNode failover, ResourceManager HA and Mesos; use 3 or 5",
            names("zookeeper")
        )),
        n if n % 2 == 0 => errors.push(loc.count(
            "zookeeper",
            format!(
                "zookeeper needs an odd number of hosts (an even one tolerates no more failures than one fewer), got {n} ({})",
                names("zookeeper")
            ),
        )),
        _ => {}
    }
    let jn = count("journalnode");
    if jn < 3 || jn % 2 == 0 {
        errors.push(loc.count(
            "journalnode",
            format!(
                "journalnode needs an odd number of hosts, at least 3 (edits need a majority to be written), got {jn}{}",
                paren(&names("journalnode"))
            ),
        ));
    }
    let nn = count("namenode");
    if nn < 2 {
        errors.push(loc.count(
            "namenode",
            format!(
                "HA needs at least two namenode hosts, got {nn}{}",
                paren(&names("namenode"))
            ),
        ));
    }
    for host in inv.with_role("namenode") {
        if !host.roles.iter().any(|r| r == "zkfc") {
            errors.push(loc.role(
                host,
                "namenode",
                format!(
                    "the namenode on {} has no zkfc on the same host: automatic failover needs a ZKFC beside every NameNode",
                    host.name
                ),
            ));
        }
    }
    for host in inv.with_role("zkfc") {
        if !host.roles.iter().any(|r| r == "namenode") {
            errors.push(loc.role(
                host,
                "zkfc",
                format!(
                    "zkfc on {} has no namenode on the same host: a ZKFC only watches the NameNode of its own host",
                    host.name
                ),
            ));
        }
    }
    let rm = count("resourcemanager");
    if rm < 2 {
        errors.push(loc.count(
            "resourcemanager",
            format!(
                "ResourceManager HA needs at least two resourcemanager hosts, got {rm}{}",
                paren(&names("resourcemanager"))
            ),
        ));
    }
    let jhs = count("historyserver");
    if jhs != 1 {
        errors.push(loc.count(
            "historyserver",
            format!(
                "exactly one historyserver host is needed (the JobHistory server has no HA), got {jhs}{}",
                paren(&names("historyserver"))
            ),
        ));
    }
    if count("datanode") == 0 {
        errors.push(loc.count(
            "datanode",
            "no host has the datanode role: HDFS needs at least one",
        ));
    }
    if count("nodemanager") == 0 {
        errors.push(loc.count(
            "nodemanager",
            "no host has the nodemanager role: YARN needs at least one",
        ));
    }
    let masters = count("mesos-master");
    let mut mesos_quorum = None;
    if masters > 0 {
        if masters % 2 == 0 {
            errors.push(loc.count(
                "mesos-master",
                format!(
                    "mesos-master needs an odd number of hosts (the replicated log needs a majority, quorum = n/2+1), got {masters} ({})",
                    names("mesos-master")
                ),
            ));
        }
        let mut quorum = masters / 2 + 1;
        if let Some(Some(q)) = settings.override_of("mesos-master", "quorum") {
            let path = "vars.overrides.mesos-master.quorum";
            match q.parse::<usize>() {
                Ok(q) if q > masters / 2 && q <= masters => quorum = q,
                _ => errors.push(loc.at(
                    path,
                    format!(
                        "quorum must be a majority of the {masters} mesos-master hosts ({} to {masters}), got '{q}'",
                        masters / 2 + 1
                    ),
                )),
            }
        }
        mesos_quorum = Some(quorum);
    } else if count("mesos-agent") > 0 {
        errors.push(loc.count(
            "mesos-agent",
            format!(
                "mesos-agent hosts ({}) need mesos-master hosts to register with, and no host has the mesos-master role",
                names("mesos-agent")
            ),
        ));
    }

    let nn_hosts = roles.get("namenode").cloned().unwrap_or_default();
    let namenodes: Vec<(String, String)> = match &settings.namenode_ids {
        Some(ids) => {
            if ids.len() != nn_hosts.len() && !ids.is_empty() {
                errors.push(loc.at(
                    "vars.namenode_ids",
                    format!(
                        "{} NameNode ids for {} namenode hosts ({})",
                        ids.len(),
                        nn_hosts.len(),
                        nn_hosts.join(", ")
                    ),
                ));
            }
            ids.iter().cloned().zip(nn_hosts.iter().cloned()).collect()
        }
        None => nn_hosts
            .iter()
            .enumerate()
            .map(|(i, h)| (format!("nn{}", i + 1), h.clone()))
            .collect(),
    };
    let resourcemanagers = roles
        .get("resourcemanager")
        .map(|hs| {
            hs.iter()
                .enumerate()
                .map(|(i, h)| (format!("rm{}", i + 1), h.clone()))
                .collect()
        })
        .unwrap_or_default();
    let zookeepers: Vec<(u32, String)> = roles
        .get("zookeeper")
        .map(|hs| {
            hs.iter()
                .enumerate()
                .map(|(i, h)| (i as u32 + 1, h.clone()))
                .collect()
        })
        .unwrap_or_default();
    if zookeepers.len() > 255 {
        errors.push(loc.count("zookeeper", "ZooKeeper server ids go up to 255"));
    }

    let supervisors = inv
        .hosts
        .iter()
        .map(|h| {
            let sup = settings::supervisor(inv, h, loc.entry(h), &mut errors);
            (h.name.clone(), sup)
        })
        .collect();
    let mut racks = BTreeMap::new();
    for host in &inv.hosts {
        if let Some(r) = settings::rack(inv, host, loc.entry(host), &mut errors) {
            racks.insert(host.name.clone(), r);
        }
    }
    if !racks.is_empty() {
        let unracked: Vec<&str> = inv
            .hosts
            .iter()
            .filter(|h| {
                h.roles
                    .iter()
                    .any(|r| r == "datanode" || r == "nodemanager")
            })
            .filter(|h| !racks.contains_key(&h.name))
            .map(|h| h.name.as_str())
            .collect();
        if !unracked.is_empty() {
            warnings.push(format!(
                "some workers have no rack and will be placed in /default-rack: {} (YARN then favours them for off-rack work)",
                unracked.join(", ")
            ));
        }
    }

    let zk_client_port = match settings.override_of("zoo.cfg", "clientPort") {
        Some(Some(p)) => match p.parse::<u16>() {
            Ok(p) if p > 0 => p,
            _ => {
                errors.push(loc.at(
                    "vars.overrides.zoo.cfg.clientPort",
                    format!("'{p}' is not a port"),
                ));
                ZOOKEEPER_CLIENT
            }
        },
        _ => ZOOKEEPER_CLIENT,
    };

    let topo = Topology {
        settings,
        roles,
        namenodes,
        resourcemanagers,
        zookeepers,
        zk_client_port,
        mesos_quorum,
        racks,
        supervisors,
        warnings,
        record: Record {
            cluster: inv.cluster.clone(),
            ..Record::default()
        },
    };
    (topo, errors)
}

fn paren(names: &str) -> String {
    if names.is_empty() {
        String::new()
    } else {
        format!(" ({names})")
    }
}
