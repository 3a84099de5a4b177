//! The port each daemon binds when the configuration does not move it: the
//! Hadoop 3 defaults (`*-default.xml`), ZooKeeper's and Mesos's. Everything
//! that needs a port reads it from the rendered configuration
//! (`super::ports`); these are written once, here, for what renders it and
//! for what reads it when a key is absent.

pub const ZOOKEEPER_CLIENT: u16 = 2181;
pub const ZOOKEEPER_QUORUM: u16 = 2888;
pub const ZOOKEEPER_ELECTION: u16 = 3888;
pub const ZOOKEEPER_ADMIN: u16 = 8080;
pub const JOURNALNODE_RPC: u16 = 8485;
pub const JOURNALNODE_HTTP: u16 = 8480;
pub const NAMENODE_RPC: u16 = 8020;
pub const NAMENODE_HTTP: u16 = 9870;
pub const ZKFC_RPC: u16 = 8019;
pub const RESOURCEMANAGER_RPC: u16 = 8032;
pub const RESOURCEMANAGER_SCHEDULER: u16 = 8030;
pub const RESOURCEMANAGER_TRACKER: u16 = 8031;
pub const RESOURCEMANAGER_ADMIN: u16 = 8033;
pub const RESOURCEMANAGER_HTTP: u16 = 8088;
pub const HISTORYSERVER_RPC: u16 = 10020;
pub const HISTORYSERVER_HTTP: u16 = 19888;
pub const HISTORYSERVER_ADMIN: u16 = 10033;
pub const DATANODE_DATA: u16 = 9866;
pub const DATANODE_HTTP: u16 = 9864;
pub const DATANODE_IPC: u16 = 9867;
pub const NODEMANAGER_RPC: u16 = 8041;
pub const NODEMANAGER_LOCALIZER: u16 = 8040;
pub const NODEMANAGER_HTTP: u16 = 8042;
pub const NODEMANAGER_SHUFFLE: u16 = 13562;
pub const MESOS_MASTER: u16 = 5050;
pub const MESOS_AGENT: u16 = 5051;
pub const SPARK_HISTORY_HTTP: u16 = 18080;
// The TLS web ports, the only web ports of a secure cluster
// (`dfs.http.policy`, `yarn.http.policy`, `mapreduce.jobhistory.http.policy`
// HTTPS_ONLY).
pub const JOURNALNODE_HTTPS: u16 = 8481;
pub const NAMENODE_HTTPS: u16 = 9871;
pub const RESOURCEMANAGER_HTTPS: u16 = 8090;
pub const HISTORYSERVER_HTTPS: u16 = 19890;
pub const DATANODE_HTTPS: u16 = 9865;
pub const NODEMANAGER_HTTPS: u16 = 8044;
