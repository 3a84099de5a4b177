//! The verdict's shape: the rows and the cluster summary, as the table
//! prints them and as `--json` writes them.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::hadoop::observe::health::{HdfsFigures, YarnFigures};

/// One host line.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HostRow {
    pub host: String,
    pub reachable: bool,
    pub error: Option<String>,
    /// Services whose configuration changed since they started.
    pub stale: Vec<String>,
}

/// One host x service line.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ServiceRow {
    pub host: String,
    pub service: String,
    /// `running`, `down`, `unreachable`.
    pub state: String,
    pub pid: Option<u32>,
    /// What keeps it running: `systemd`, `daemon` (nothing: a host without
    /// systemd), `none` (started outside its unit on a systemd host).
    pub supervisor: Option<String>,
    /// The software version the running process was started from.
    pub version: Option<String>,
    pub listening: Vec<u16>,
    /// Expected ports nothing listens on.
    pub missing_ports: Vec<u16>,
    /// HA role: active/standby, ACTIVE/STANDBY, leader/follower, leading/standby.
    pub ha: Option<String>,
    pub stale: bool,
    /// Why it is not fine, in words.
    pub note: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClusterSummary {
    /// `nn1 (master1)`.
    pub active_namenode: Option<String>,
    pub active_resourcemanager: Option<String>,
    pub zookeeper_leader: Option<String>,
    pub mesos_leader: Option<String>,
    pub datanodes_live: Option<u64>,
    pub datanodes_expected: usize,
    pub nodemanagers: Option<u64>,
    pub nodemanagers_expected: usize,
    pub agents: Option<u64>,
    pub agents_expected: usize,
    pub safemode: Option<bool>,
    /// Host -> services whose configuration changed since they started.
    pub stale: BTreeMap<String, Vec<String>>,
    /// The HDFS rolling upgrade in progress, in words (None: none).
    pub rolling_upgrade: Option<String>,
    /// Worker -> `decommissioned`, `maintenance [until ...]`: the workers
    /// herd's record has out of service (the others are in service).
    pub out_of_service: BTreeMap<String, String>,
    pub healthy: bool,
    pub problems: Vec<String>,
    /// The problems of one host or one service on it, also worded in
    /// `problems`: the table folds a thousand alike ones into a line.
    #[serde(skip)]
    pub host_problems: Vec<HostProblem>,
    /// What an operator should act on before it becomes a problem; the
    /// cluster is healthy all the same.
    pub warnings: Vec<String>,
}

/// A problem of one host (it cannot be read) or of one service on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostProblem {
    pub host: String,
    /// None: the host itself is unreachable.
    pub service: Option<String>,
    /// Why, without the host and service.
    pub what: String,
}

impl HostProblem {
    /// `datanode on worker1: not running (no pid file)`, `worker1
    /// unreachable: ...`: as `problems` has it.
    pub fn words(&self) -> String {
        match &self.service {
            Some(s) => format!("{s} on {}: {}", self.host, self.what),
            None => format!("{} unreachable: {}", self.host, self.what),
        }
    }
}

/// The health figures: HDFS as the active NameNode counts it (None without
/// one that answered), the heap the rule suggests for it, YARN as the
/// active ResourceManager counts it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HealthSummary {
    pub hdfs: Option<HdfsFigures>,
    /// Bytes of heap the NameNode wants: seed 004's rule for the objects
    /// HDFS holds, or more when the heap in use is above its threshold.
    pub suggested_namenode_heap: Option<u64>,
    pub yarn: Option<YarnFigures>,
}

/// The whole picture, as printed and as `--json`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Status {
    pub hosts: Vec<HostRow>,
    pub services: Vec<ServiceRow>,
    pub cluster: ClusterSummary,
    pub health: HealthSummary,
}
