//! The service table: for every role, how its daemon is started, stopped and
//! checked, where its pid file is, and the probe that says it is ready.
//! `herd status` reads pid files and ports from it; a rolling restart needs
//! the same commands and probes, so they live here once.

use super::ports::{PortUse, port_of};
use super::settings::Account;
use crate::model::{Host, JsonCheck, ProbeCheck};
use crate::shell::quote as q;

/// How a role's daemon is launched, which decides its commands and pid file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Launcher {
    /// `$HADOOP_HOME/bin/<bin> --daemon start <subcmd>`; the launcher writes
    /// `${HADOOP_PID_DIR}/hadoop-${USER}-<subcmd>.pid`.
    Hadoop {
        bin: &'static str,
        subcmd: &'static str,
    },
    /// `zkServer.sh start`; it writes `$ZOOPIDFILE`, which java.env puts in
    /// the shared pid directory (its default is inside the dataDir, which
    /// only the zookeeper account may read).
    ZooKeeper,
    /// Mesos has no daemon mode: herd starts it with nohup and records `$!`
    /// in `<dirs.pid>/<name>.pid`.
    Mesos { name: &'static str },
    /// Spark's `start-history-server.sh`, pid file named after the class.
    SparkHistory,
}

/// What tells that a started daemon is ready to serve. `port` names the
/// port in [`super::ports`] (its source key, without an HA suffix), so the
/// probe goes where the rendered configuration puts the daemon.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Readiness {
    /// HTTP 200 and, when given, a JSON pointer whose value matches a regex.
    Http {
        port: &'static str,
        path: &'static str,
        pointer: Option<(&'static str, &'static str)>,
    },
    /// A ZooKeeper four-letter word answer matching a regex (asked at 127.0.0.1).
    Zk {
        port: &'static str,
        word: &'static str,
        matches: &'static str,
    },
    /// Something listens.
    Tcp { port: &'static str },
}

/// One role's daemon.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Service {
    pub role: &'static str,
    pub launcher: Launcher,
    pub readiness: Readiness,
    /// The service's web (or client) port source in [`super::ports`]: the
    /// key the HA-role probes read the port from when an override moved it.
    pub web_source: Option<&'static str>,
    /// Port sources only the active (or leading) instance binds, so a
    /// standby without them is healthy.
    pub active_only: &'static [&'static str],
    /// The account it runs as.
    pub account: Account,
    /// Its systemd unit, named as Bigtop's packages name it, so operators
    /// find the daemon where they would look for it.
    pub unit: &'static str,
    /// The unit's description.
    pub title: &'static str,
    /// The roles whose units it starts after when they share its host.
    pub after: &'static [&'static str],
}

/// Every role's daemon, in bring-up order (as [`super::ROLES`]).
pub const SERVICES: &[Service] = &[
    Service {
        role: "zookeeper",
        launcher: Launcher::ZooKeeper,
        readiness: Readiness::Zk {
            port: "clientPort",
            word: "srvr",
            matches: "Mode: (leader|follower|standalone)",
        },
        web_source: Some("clientPort"),
        // The quorum port is bound by the leader only.
        active_only: &["(quorum port)"],
        account: Account::ZooKeeper,
        unit: "zookeeper-server",
        title: "Apache ZooKeeper server",
        after: &[],
    },
    Service {
        role: "journalnode",
        launcher: Launcher::Hadoop {
            bin: "hdfs",
            subcmd: "journalnode",
        },
        readiness: Readiness::Tcp {
            port: "dfs.journalnode.rpc-address",
        },
        web_source: Some("dfs.journalnode.http-address"),
        active_only: &[],
        account: Account::Hdfs,
        unit: "hadoop-hdfs-journalnode",
        title: "Hadoop HDFS JournalNode",
        after: &["zookeeper"],
    },
    Service {
        role: "namenode",
        launcher: Launcher::Hadoop {
            bin: "hdfs",
            subcmd: "namenode",
        },
        readiness: Readiness::Http {
            port: "dfs.namenode.http-address",
            path: "/jmx?qry=Hadoop:service=NameNode,name=NameNodeStatus",
            pointer: Some(("/beans/0/State", "^(active|standby)$")),
        },
        web_source: Some("dfs.namenode.http-address"),
        active_only: &[],
        account: Account::Hdfs,
        unit: "hadoop-hdfs-namenode",
        title: "Hadoop HDFS NameNode",
        after: &["zookeeper", "journalnode"],
    },
    Service {
        role: "zkfc",
        launcher: Launcher::Hadoop {
            bin: "hdfs",
            subcmd: "zkfc",
        },
        readiness: Readiness::Tcp {
            port: "dfs.ha.zkfc.port",
        },
        web_source: None,
        active_only: &[],
        account: Account::Hdfs,
        unit: "hadoop-hdfs-zkfc",
        title: "Hadoop HDFS ZooKeeper Failover Controller",
        after: &["zookeeper", "namenode"],
    },
    Service {
        role: "resourcemanager",
        launcher: Launcher::Hadoop {
            bin: "yarn",
            subcmd: "resourcemanager",
        },
        readiness: Readiness::Http {
            port: "yarn.resourcemanager.webapp.address",
            path: "/ws/v1/cluster/info",
            pointer: Some(("/clusterInfo/haState", "^(ACTIVE|STANDBY)$")),
        },
        web_source: Some("yarn.resourcemanager.webapp.address"),
        // A standby RM serves only its admin and web ports.
        active_only: &[
            "yarn.resourcemanager.address",
            "yarn.resourcemanager.scheduler.address",
            "yarn.resourcemanager.resource-tracker.address",
        ],
        account: Account::Yarn,
        unit: "hadoop-yarn-resourcemanager",
        title: "Hadoop YARN ResourceManager",
        after: &["zookeeper"],
    },
    Service {
        role: "historyserver",
        launcher: Launcher::Hadoop {
            bin: "mapred",
            subcmd: "historyserver",
        },
        readiness: Readiness::Http {
            port: "mapreduce.jobhistory.webapp.address",
            path: "/ws/v1/history/info",
            pointer: None,
        },
        web_source: Some("mapreduce.jobhistory.webapp.address"),
        active_only: &[],
        account: Account::Mapred,
        unit: "hadoop-mapreduce-historyserver",
        title: "Hadoop MapReduce JobHistory server",
        after: &["namenode", "resourcemanager"],
    },
    Service {
        role: "datanode",
        launcher: Launcher::Hadoop {
            bin: "hdfs",
            subcmd: "datanode",
        },
        readiness: Readiness::Http {
            port: "dfs.datanode.http.address",
            path: "/jmx?qry=Hadoop:service=DataNode,name=DataNodeInfo",
            pointer: Some(("/beans/0/ClusterId", ".")),
        },
        web_source: Some("dfs.datanode.http.address"),
        active_only: &[],
        account: Account::Hdfs,
        unit: "hadoop-hdfs-datanode",
        title: "Hadoop HDFS DataNode",
        after: &["namenode"],
    },
    Service {
        role: "nodemanager",
        launcher: Launcher::Hadoop {
            bin: "yarn",
            subcmd: "nodemanager",
        },
        readiness: Readiness::Http {
            port: "yarn.nodemanager.webapp.address",
            path: "/ws/v1/node/info",
            pointer: Some(("/nodeInfo/nodeHealthy", "^true$")),
        },
        web_source: Some("yarn.nodemanager.webapp.address"),
        active_only: &[],
        account: Account::Yarn,
        unit: "hadoop-yarn-nodemanager",
        title: "Hadoop YARN NodeManager",
        after: &["resourcemanager"],
    },
    Service {
        role: "mesos-master",
        launcher: Launcher::Mesos {
            name: "mesos-master",
        },
        readiness: Readiness::Http {
            port: "--port",
            path: "/health",
            pointer: None,
        },
        web_source: Some("--port"),
        active_only: &[],
        account: Account::Mesos,
        unit: "mesos-master",
        title: "Apache Mesos master",
        after: &["zookeeper"],
    },
    Service {
        role: "mesos-agent",
        launcher: Launcher::Mesos {
            name: "mesos-agent",
        },
        readiness: Readiness::Http {
            port: "--port",
            path: "/metrics/snapshot",
            pointer: Some(("/slave~1registered", "^1(\\.0)?$")),
        },
        web_source: Some("--port"),
        active_only: &[],
        account: Account::Mesos,
        unit: "mesos-agent",
        title: "Apache Mesos agent",
        after: &["mesos-master"],
    },
    Service {
        role: "spark-history",
        launcher: Launcher::SparkHistory,
        readiness: Readiness::Http {
            port: "spark.history.ui.port",
            path: "/api/v1/version",
            pointer: None,
        },
        web_source: Some("spark.history.ui.port"),
        active_only: &[],
        account: Account::Spark,
        unit: "spark-history-server",
        title: "Apache Spark history server",
        after: &["namenode", "historyserver"],
    },
];

/// The services the inventory puts on `host`, in bring-up order.
pub fn on_host(host: &Host) -> Vec<&'static Service> {
    super::ROLES
        .iter()
        .filter(|r| host.roles.iter().any(|x| x == *r))
        .filter_map(|r| service(r))
        .collect()
}

/// The service of `role`.
pub fn service(role: &str) -> Option<&'static Service> {
    SERVICES.iter().find(|s| s.role == role)
}

impl Service {
    /// The `<name>` of the `-Dproc_<name>` word Hadoop's launcher puts on
    /// this daemon's JVM command line, when it has one.
    pub fn proc_name(&self) -> Option<&'static str> {
        match self.launcher {
            Launcher::Hadoop { subcmd, .. } => Some(subcmd),
            _ => None,
        }
    }

    /// The readiness probe, at the port the host's configuration gives it
    /// (`ports` are the host's); None when the host has no such port.
    pub fn probe(&self, ports: &[PortUse]) -> Option<ProbeCheck> {
        let port = self.readiness_port(ports)?;
        Some(match self.readiness {
            Readiness::Http { path, pointer, .. } => ProbeCheck::Http {
                port,
                path: path.to_string(),
                status: 200,
                json: pointer.map(|(p, re)| JsonCheck {
                    pointer: p.to_string(),
                    equals: None,
                    matches: regex::Regex::new(re).ok(),
                }),
                body: None,
            },
            Readiness::Zk { word, matches, .. } => ProbeCheck::Zk {
                port,
                word: word.to_string(),
                matches: regex::Regex::new(matches).ok(),
            },
            Readiness::Tcp { .. } => ProbeCheck::Tcp { port },
        })
    }

    /// The port the readiness probe checks, among the host's ports.
    pub fn readiness_port(&self, ports: &[PortUse]) -> Option<u16> {
        let (Readiness::Http { port, .. } | Readiness::Zk { port, .. } | Readiness::Tcp { port }) =
            self.readiness;
        port_of(ports, self.role, port)
    }

    /// Where the probe connects from the host: ZooKeeper answers on every
    /// address, the Hadoop web servers bind the host's name.
    pub fn probe_address(&self, host: &str) -> String {
        match self.readiness {
            Readiness::Zk { .. } => "127.0.0.1".into(),
            _ => host.to_string(),
        }
    }

    /// The web/client port among the host's ports, as configured.
    pub fn web_port(&self, ports: &[PortUse]) -> Option<u16> {
        let source = self.web_source?;
        port_of(ports, self.role, source)
            .or_else(|| port_of(ports, self.role, super::ports::tls_key(source)?))
    }

    /// Ports every running daemon of this role listens on, whatever its HA role.
    pub fn listen_ports(&self, ports: &[PortUse]) -> Vec<u16> {
        // Sources are keys, possibly suffixed by the HA id (`.rm1`), or
        // ZooKeeper's `server.N (quorum port)`.
        let active_only = |source: &str| {
            self.active_only.iter().any(|a| {
                source == *a
                    || source
                        .strip_prefix(a)
                        .is_some_and(|rest| rest.starts_with('.'))
                    || source.ends_with(a)
            })
        };
        let mut out: Vec<u16> = ports
            .iter()
            .filter(|p| p.service == self.role && !active_only(&p.source))
            .map(|p| p.port)
            .collect();
        out.dedup();
        out
    }
}

/// An awk filter over `ps -o pid=,args=` lines that prints the pid of each
/// whose command line has the word `-Dproc_<name>`; `name` is a shell word
/// (a quoted value, or `"$1"`). The marker is put together inside awk, so
/// neither awk nor the shell running this (whose command line holds this
/// text) matches it.
pub fn proc_filter(name: &str) -> String {
    format!(
        "awk -v d={name} '{{for (i = 2; i <= NF; i++) if ($i == \"-Dproc_\" d) {{print $1; break}}}}'"
    )
}

/// Pids of the running processes of the daemon whose proc name is `name`.
pub fn live_pids(name: &str) -> String {
    format!("ps -eo pid=,args= 2>/dev/null | {}", proc_filter(&q(name)))
}
