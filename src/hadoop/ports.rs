//! The ports each service binds, from the rendered configuration (so a port
//! moved by an override counts), and the check that no two services of one
//! host want the same port.
//!
//! Keys are read the way the daemons read them: a NameNode's addresses from
//! `<key>.<nameservice>.<nnId>`, a ResourceManager's from `<key>.<rmId>`
//! (in HA the unsuffixed key is ignored and the port defaults), the others
//! from the plain key.

use std::collections::BTreeMap;

use crate::model::{Host, Inventory, ModelError};

use super::default_ports::*;
use super::render::{MesosKind, SiteConfigs, mesos_flags};
use super::topology::{Locator, Topology};

// The site files need it first (for the JournalNode URI), so it lives there.
pub use super::render::port_in;

/// Each web address key and the TLS key that stands for it on a secure
/// cluster (`HTTPS_ONLY`), whose web endpoints serve TLS only.
const TLS_KEYS: &[(&str, &str)] = &[
    (
        "dfs.journalnode.http-address",
        "dfs.journalnode.https-address",
    ),
    ("dfs.namenode.http-address", "dfs.namenode.https-address"),
    (
        "yarn.resourcemanager.webapp.address",
        "yarn.resourcemanager.webapp.https.address",
    ),
    (
        "mapreduce.jobhistory.webapp.address",
        "mapreduce.jobhistory.webapp.https.address",
    ),
    ("dfs.datanode.http.address", "dfs.datanode.https.address"),
    (
        "yarn.nodemanager.webapp.address",
        "yarn.nodemanager.webapp.https.address",
    ),
];

/// The TLS address key of a web address key, if it has one.
pub fn tls_key(plain: &str) -> Option<&'static str> {
    TLS_KEYS.iter().find(|(p, _)| *p == plain).map(|(_, t)| *t)
}

/// One port a service of a host binds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortUse {
    pub port: u16,
    pub service: &'static str,
    /// What the port is for, as templates name it:
    /// `hadoop.ports[HOST][SERVICE][NAME]` (`rpc`, `http`, `client`, ...).
    pub name: &'static str,
    /// Where the port comes from: the property, flag or zoo.cfg key.
    pub source: String,
    /// `vars.overrides.<file>.<key>` when an override set it.
    pub override_path: Option<String>,
}

struct Collector<'a> {
    topo: &'a Topology,
    out: Vec<PortUse>,
    errors: Vec<(String, String)>,
}

impl Collector<'_> {
    /// A port from a property of a site file (`file` as in `vars.overrides`).
    fn prop(
        &mut self,
        site: &SiteConfigs,
        service: &'static str,
        name: &'static str,
        file: &str,
        key: &str,
        default: u16,
    ) {
        let over = self
            .topo
            .settings
            .override_of(file, key)
            .map(|_| format!("vars.overrides.{file}.{key}"));
        let value = site
            .by_name(file)
            .and_then(|p| p.get(key))
            .map(|p| p.value.clone());
        let port = match &value {
            Some(v) => match port_in(v) {
                Some(p) => p,
                None => {
                    if let Some(path) = &over {
                        self.errors.push((
                            path.clone(),
                            format!("cannot find a port in '{v}' (expected host:port)"),
                        ));
                    }
                    return;
                }
            },
            None => default,
        };
        self.push(port, service, name, key.to_string(), over);
    }

    fn push(
        &mut self,
        port: u16,
        service: &'static str,
        name: &'static str,
        source: String,
        override_path: Option<String>,
    ) {
        // Port 0 is an ephemeral port: it cannot clash.
        if port != 0 {
            self.out.push(PortUse {
                port,
                service,
                name,
                source,
                override_path,
            });
        }
    }
}

/// The port `service` binds from `source` among one host's `uses`. `source`
/// is the key without its HA suffix: `dfs.namenode.http-address` finds
/// `dfs.namenode.http-address.<nameservice>.<nnId>`.
pub fn port_of(uses: &[PortUse], service: &str, source: &str) -> Option<u16> {
    uses.iter()
        .find(|p| {
            p.service == service
                && (p.source == source
                    || p.source
                        .strip_prefix(source)
                        .is_some_and(|rest| rest.starts_with('.')))
        })
        .map(|p| p.port)
}

/// Every host's ports, from one rendering of the configuration.
#[derive(Debug, Clone, Default)]
pub struct ClusterPorts {
    hosts: BTreeMap<String, Vec<PortUse>>,
}

impl ClusterPorts {
    pub fn new(inv: &Inventory, topo: &Topology) -> ClusterPorts {
        let site = super::render::site_configs(inv, topo);
        ClusterPorts {
            hosts: inv
                .hosts
                .iter()
                .map(|h| (h.name.clone(), host_ports(topo, &site, h)))
                .collect(),
        }
    }

    /// The ports of `host` (none for a host not in the inventory).
    pub fn host(&self, host: &str) -> &[PortUse] {
        self.hosts.get(host).map_or(&[], Vec::as_slice)
    }

    /// The port `service` binds on `host` from `source` (see [`port_of`]).
    pub fn port(&self, host: &str, service: &str, source: &str) -> Option<u16> {
        port_of(self.host(host), service, source)
    }
}

/// Every port the services of `host` bind, in role order.
pub fn host_ports(topo: &Topology, site: &SiteConfigs, host: &Host) -> Vec<PortUse> {
    collect(topo, site, host).0
}

fn collect(
    topo: &Topology,
    site: &SiteConfigs,
    host: &Host,
) -> (Vec<PortUse>, Vec<(String, String)>) {
    let ns = &topo.settings.nameservice;
    let mut c = Collector {
        topo,
        out: Vec::new(),
        errors: Vec::new(),
    };
    let has = |r: &str| host.roles.iter().any(|x| x == r);
    // A secure cluster serves its web endpoints over TLS only, on the TLS
    // keys' ports: those are the ones probes and checks must reach.
    let secure = topo.settings.security.is_some();
    let web = |plain: &'static str| {
        if secure {
            tls_key(plain).unwrap_or(plain)
        } else {
            plain
        }
    };
    let web_port = |plain: u16, tls: u16| if secure { tls } else { plain };
    if has("zookeeper") {
        c.prop(
            site,
            "zookeeper",
            "client",
            "zoo.cfg",
            "clientPort",
            ZOOKEEPER_CLIENT,
        );
        if let Some(id) = topo.zookeeper_myid(&host.name) {
            let key = format!("server.{id}");
            let over = topo
                .settings
                .override_of("zoo.cfg", &key)
                .map(|_| format!("vars.overrides.zoo.cfg.{key}"));
            if let Some(p) = site.zoo.get(&key) {
                // host:quorumPort:electionPort[:role][;clientAddress]
                let spec = p.value.split(';').next().unwrap_or_default();
                let parts: Vec<&str> = spec.split(':').collect();
                for (i, what) in [(1, "quorum"), (2, "election")] {
                    match parts.get(i).and_then(|p| p.trim().parse::<u16>().ok()) {
                        Some(port) => c.push(
                            port,
                            "zookeeper",
                            what,
                            format!("{key} ({what} port)"),
                            over.clone(),
                        ),
                        None => {
                            if let Some(path) = &over {
                                c.errors.push((
                                    path.clone(),
                                    format!("'{}' is not host:quorumPort:electionPort", p.value),
                                ));
                                break;
                            }
                        }
                    }
                }
            }
        }
        if site
            .zoo
            .get("admin.enableServer")
            .is_some_and(|p| p.value.trim() == "true")
        {
            c.prop(
                site,
                "zookeeper",
                "admin",
                "zoo.cfg",
                "admin.serverPort",
                ZOOKEEPER_ADMIN,
            );
        }
    }
    if has("journalnode") {
        c.prop(
            site,
            "journalnode",
            "rpc",
            "hdfs-site",
            "dfs.journalnode.rpc-address",
            JOURNALNODE_RPC,
        );
        c.prop(
            site,
            "journalnode",
            "http",
            "hdfs-site",
            web("dfs.journalnode.http-address"),
            web_port(JOURNALNODE_HTTP, JOURNALNODE_HTTPS),
        );
    }
    if has("namenode")
        && let Some(id) = topo.namenode_id(&host.name)
    {
        c.prop(
            site,
            "namenode",
            "rpc",
            "hdfs-site",
            &format!("dfs.namenode.rpc-address.{ns}.{id}"),
            NAMENODE_RPC,
        );
        c.prop(
            site,
            "namenode",
            "http",
            "hdfs-site",
            &format!("{}.{ns}.{id}", web("dfs.namenode.http-address")),
            web_port(NAMENODE_HTTP, NAMENODE_HTTPS),
        );
    }
    if has("zkfc") {
        c.prop(
            site,
            "zkfc",
            "rpc",
            "hdfs-site",
            "dfs.ha.zkfc.port",
            ZKFC_RPC,
        );
    }
    if has("resourcemanager")
        && let Some(id) = topo.resourcemanager_id(&host.name)
    {
        for (name, key, port) in [
            ("rpc", "yarn.resourcemanager.address", RESOURCEMANAGER_RPC),
            (
                "scheduler",
                "yarn.resourcemanager.scheduler.address",
                RESOURCEMANAGER_SCHEDULER,
            ),
            (
                "tracker",
                "yarn.resourcemanager.resource-tracker.address",
                RESOURCEMANAGER_TRACKER,
            ),
            (
                "admin",
                "yarn.resourcemanager.admin.address",
                RESOURCEMANAGER_ADMIN,
            ),
            (
                "http",
                web("yarn.resourcemanager.webapp.address"),
                web_port(RESOURCEMANAGER_HTTP, RESOURCEMANAGER_HTTPS),
            ),
        ] {
            c.prop(
                site,
                "resourcemanager",
                name,
                "yarn-site",
                &format!("{key}.{id}"),
                port,
            );
        }
    }
    if has("historyserver") {
        c.prop(
            site,
            "historyserver",
            "rpc",
            "mapred-site",
            "mapreduce.jobhistory.address",
            HISTORYSERVER_RPC,
        );
        c.prop(
            site,
            "historyserver",
            "http",
            "mapred-site",
            web("mapreduce.jobhistory.webapp.address"),
            web_port(HISTORYSERVER_HTTP, HISTORYSERVER_HTTPS),
        );
        c.prop(
            site,
            "historyserver",
            "admin",
            "mapred-site",
            "mapreduce.jobhistory.admin.address",
            HISTORYSERVER_ADMIN,
        );
    }
    if has("datanode") {
        c.prop(
            site,
            "datanode",
            "data",
            "hdfs-site",
            "dfs.datanode.address",
            DATANODE_DATA,
        );
        c.prop(
            site,
            "datanode",
            "http",
            "hdfs-site",
            web("dfs.datanode.http.address"),
            web_port(DATANODE_HTTP, DATANODE_HTTPS),
        );
        c.prop(
            site,
            "datanode",
            "ipc",
            "hdfs-site",
            "dfs.datanode.ipc.address",
            DATANODE_IPC,
        );
    }
    if has("nodemanager") {
        c.prop(
            site,
            "nodemanager",
            "rpc",
            "yarn-site",
            "yarn.nodemanager.address",
            NODEMANAGER_RPC,
        );
        c.prop(
            site,
            "nodemanager",
            "localizer",
            "yarn-site",
            "yarn.nodemanager.localizer.address",
            NODEMANAGER_LOCALIZER,
        );
        c.prop(
            site,
            "nodemanager",
            "http",
            "yarn-site",
            web("yarn.nodemanager.webapp.address"),
            web_port(NODEMANAGER_HTTP, NODEMANAGER_HTTPS),
        );
        c.prop(
            site,
            "nodemanager",
            "shuffle",
            "mapred-site",
            "mapreduce.shuffle.port",
            NODEMANAGER_SHUFFLE,
        );
    }
    for kind in [MesosKind::Master, MesosKind::Agent] {
        if has(kind.role()) {
            let flags = mesos_flags(topo, host, kind);
            let file = kind.role();
            let over = topo
                .settings
                .override_of(file, "port")
                .map(|_| format!("vars.overrides.{file}.port"));
            match flags.get("port").map(|p| (p, p.trim().parse::<u16>())) {
                Some((_, Ok(p))) => c.push(p, kind.role(), "http", "--port".into(), over),
                Some((v, Err(_))) => {
                    if let Some(path) = over {
                        c.errors.push((path, format!("'{v}' is not a port")));
                    }
                }
                None => c.push(
                    if kind == MesosKind::Master {
                        MESOS_MASTER
                    } else {
                        MESOS_AGENT
                    },
                    kind.role(),
                    "http",
                    "--port".into(),
                    None,
                ),
            }
        }
    }
    if has("spark-history") {
        let key = "spark.history.ui.port";
        let over = topo
            .settings
            .override_of("spark-defaults", key)
            .map(|_| format!("vars.overrides.spark-defaults.{key}"));
        match super::render::history_port(topo) {
            Ok(p) => c.push(p, "spark-history", "http", key.into(), over),
            Err(e) => {
                if let Some(path) = over {
                    c.errors.push((path, e));
                }
            }
        }
    }
    (c.out, c.errors)
}

/// Every clash and unreadable port, located at the override that caused it
/// or else at the role on the host.
pub fn check(inv: &Inventory, topo: &Topology, site: &SiteConfigs) -> Vec<ModelError> {
    let loc = Locator { inv };
    let mut errors = Vec::new();
    let mut seen_errors = std::collections::BTreeSet::new();
    for host in &inv.hosts {
        let (uses, bad) = collect(topo, site, host);
        for (path, msg) in bad {
            if seen_errors.insert((path.clone(), msg.clone())) {
                errors.push(loc.at(&path, msg));
            }
        }
        let mut by_port: BTreeMap<u16, &PortUse> = BTreeMap::new();
        for u in &uses {
            let Some(first) = by_port.get(&u.port) else {
                by_port.insert(u.port, u);
                continue;
            };
            let message = format!(
                "port {} on {} would be bound by both {} ({}) and {} ({})",
                u.port, host.name, first.service, first.source, u.service, u.source
            );
            let e = match u.override_path.as_ref().or(first.override_path.as_ref()) {
                Some(path) => loc.at(path, message),
                None => loc.role(host, u.service, message),
            };
            errors.push(e);
        }
    }
    errors
}
