//! The Hadoop domain layer for configuration: what a cluster inventory means
//! (roles, HA topology, settings under `vars`), the files each host needs
//! (Hadoop site files, zoo.cfg and myid, Mesos flag files), and comparing
//! or pushing them over SSH.
//!
//! Flow: [`validate()`] checks the inventory before any connection
//! (exit 2 on error), [`render::render`] turns it into [`files::ClusterFiles`],
//! [`push::fetch`]/[`push::push`] compare them with the hosts and write what
//! changed.

pub mod balance;
pub mod context;
pub mod daemon_control;
pub mod default_ports;
pub mod files;
pub mod host_setup;
pub mod lifecycle;
pub mod mirror;
pub mod observe;
pub mod ports;
pub mod push;
pub mod relay;
pub mod render;
pub mod restart;
pub mod secure;
pub mod services;
pub mod settings;
pub mod smoke;
pub mod spark_archive;
pub mod spark_master;
pub mod stale_marks;
pub mod topology;
pub mod validate;
pub mod xml;

pub use files::{ClusterFiles, HostFiles, RenderedFile};
pub use push::{FileState, HostPush, PushReport, changed_services, fetch, push};
pub use render::render;
pub use settings::Settings;
pub use topology::Topology;
pub use validate::validate;

/// Every role herd knows, in bring-up order.
pub const ROLES: &[&str] = &[
    "zookeeper",
    "journalnode",
    "namenode",
    "zkfc",
    "resourcemanager",
    "historyserver",
    "datanode",
    "nodemanager",
    "mesos-master",
    "mesos-agent",
    "spark-history",
];

/// Roles that run a Hadoop daemon (and so read the Hadoop configuration).
pub const HADOOP_ROLES: &[&str] = &[
    "journalnode",
    "namenode",
    "zkfc",
    "resourcemanager",
    "historyserver",
    "datanode",
    "nodemanager",
];

/// Roles whose hosts get the Hadoop configuration directory: the daemons,
/// plus the Spark history server, which reads its event logs from HDFS.
pub const HADOOP_CLIENT_ROLES: &[&str] = &[
    "journalnode",
    "namenode",
    "zkfc",
    "resourcemanager",
    "historyserver",
    "datanode",
    "nodemanager",
    "spark-history",
];
