//! What a cluster gets when `vars` says nothing, and why where the value is
//! herd's own choice rather than Hadoop's.

use std::collections::BTreeMap;

use super::{Dirs, Dist, MesosSettings, ServiceUsers, Settings, SparkSettings};

/// Hadoop's own default of one day is kept; the seed cluster keeps ten days
/// (14400) through an override.
pub const DEFAULT_TRASH_MINUTES: u64 = 1440;
/// The seed's block size (256 MiB): fewer blocks per file means a smaller
/// NameNode heap for the same data (seed 004: heap grows with block count).
pub const DEFAULT_BLOCK_SIZE: u64 = 268_435_456;
/// Bound on completed applications the ResourceManager keeps in memory and in
/// its ZooKeeper state store. Hadoop's 10000 made RM failover slow in seed
/// 004, because the new active reloads every one of them from ZooKeeper.
pub const DEFAULT_MAX_COMPLETED_APPS: u64 = 1000;

/// Daemons whose heap `vars.heap` sets, with their default; `client` is for
/// the command-line tools. These are also the keys `vars.heap` accepts.
pub const HEAPS: &[(&str, &str)] = &[
    ("namenode", "1g"),
    ("datanode", "1g"),
    ("journalnode", "512m"),
    ("zkfc", "256m"),
    ("resourcemanager", "1g"),
    ("nodemanager", "1g"),
    ("historyserver", "512m"),
    ("zookeeper", "512m"),
    // SPARK_DAEMON_MEMORY's default.
    ("spark-history", "1g"),
    ("client", "256m"),
];

impl Default for Dirs {
    fn default() -> Self {
        Dirs {
            name: vec!["/data/hadoop/hdfs/name".into()],
            data: vec!["/data/hadoop/hdfs/data".into()],
            journal: "/data/hadoop/hdfs/journalnode".into(),
            yarn_local: vec!["/data/hadoop/yarn/local".into()],
            yarn_log: vec!["/data/hadoop/yarn/logs".into()],
            log: "/var/log/hadoop".into(),
            pid: "/var/run/hadoop".into(),
            tmp: "/data/hadoop/tmp".into(),
            nm_recovery: "/data/hadoop/yarn/recovery".into(),
            zookeeper: "/data/zookeeper".into(),
            zookeeper_log: "/var/log/zookeeper".into(),
            mesos_master: "/data/mesos/master".into(),
            mesos_agent: "/data/mesos/agent".into(),
            mesos_log: "/var/log/mesos".into(),
            spark_log: "/var/log/spark".into(),
        }
    }
}

impl Settings {
    /// The settings of cluster `cluster` when its `vars` set nothing.
    pub(super) fn defaults(cluster: &str) -> Settings {
        Settings {
            nameservice: default_nameservice(cluster),
            install_dir: "/opt".into(),
            java_home: "/usr/lib/jvm/java-17-openjdk-amd64".into(),
            jvm_opts: String::new(),
            dist: Dist::default(),
            dirs: Dirs::default(),
            heap: HEAPS
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect::<BTreeMap<_, _>>(),
            block_size: DEFAULT_BLOCK_SIZE,
            nm_memory_mb: 8192,
            nm_vcores: 8,
            mesos: MesosSettings {
                cluster: cluster.to_string(),
                agent_resources: None,
                zk_path: "/mesos".into(),
                logging_level: "ERROR".into(),
            },
            spark: SparkSettings::default(),
            namenode_ids: None,
            overrides: BTreeMap::new(),
            users: ServiceUsers::default(),
            health: Default::default(),
            dist_relay: None,
            security: None,
        }
    }
}

/// The cluster name as a nameservice: characters a nameservice cannot hold
/// become '-', and a name with nothing left is `hacluster`.
fn default_nameservice(cluster: &str) -> String {
    let ns: String = cluster
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '-'
            }
        })
        .collect();
    let ns = ns.trim_matches('-').to_string();
    if ns.is_empty() {
        "hacluster".into()
    } else {
        ns
    }
}
