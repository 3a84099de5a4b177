//! What one pass over the cluster read: per host, the daemons' pid files,
//! the listening ports and the stale services; per HA member, its role as
//! its endpoint answered. The verdict and the restart generator read these.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

/// A daemon's pid file as found on its host.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum Proc {
    Running {
        pid: u32,
    },
    /// The pid file names a process that is gone (crashed, killed).
    Dead {
        pid: Option<u32>,
    },
    /// The daemon runs as `pid`, but its pid file names `named` (or
    /// nothing): the launcher's pid-file race. `herd up` repairs it.
    Misnamed {
        pid: u32,
        named: Option<u32>,
    },
    NoPidFile,
}

impl Proc {
    /// The daemon runs, whatever its pid file says.
    pub fn runs(&self) -> bool {
        matches!(self, Proc::Running { .. } | Proc::Misnamed { .. })
    }
}

/// What keeps a running daemon running, as its host says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Supervision {
    /// Its systemd unit's main process.
    Systemd,
    /// Started with `--daemon start` (or nohup) on a host without systemd:
    /// nothing restarts it.
    Daemon,
    /// Running, but not as its unit's main process on a systemd host:
    /// started outside systemd, so nothing restarts it.
    Outside,
}

impl Supervision {
    pub fn name(self) -> &'static str {
        match self {
            Supervision::Systemd => "systemd",
            Supervision::Daemon => "daemon",
            Supervision::Outside => "none",
        }
    }
}

/// A systemd unit's state (`systemctl show`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitState {
    /// `active`, `activating`, `failed`, `inactive`, ...
    pub active: String,
    /// `running`, `auto-restart`, `dead`, ...
    pub sub: String,
    /// 0 when no process runs.
    pub main_pid: u32,
}

/// What the one exec on a host found.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct HostReading {
    /// Role -> pid file state (under systemd, the unit's main pid).
    pub procs: BTreeMap<String, Proc>,
    /// Role -> its unit's state, on a host whose supervisor is systemd.
    pub units: BTreeMap<String, UnitState>,
    /// Role -> what keeps it running, for the running ones.
    pub supervision: BTreeMap<String, Supervision>,
    /// Listening TCP ports; None when `ss` is missing on the host.
    pub listening: Option<BTreeSet<u16>>,
    /// Services whose configuration changed since they started.
    pub stale: Vec<String>,
    /// Role -> the software version its running process was started from
    /// (see [`super::host_script`]), where its command line names one.
    pub versions: BTreeMap<String, String>,
}

/// An HA endpoint's answer: the value read, or why there is none.
pub type Answer<T> = Result<T, String>;

/// `NameNodeInfo.RollingUpgradeStatus` of an upgrade not yet finalized.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RollingUpgrade {
    /// When `prepare` ran (ms since the epoch).
    pub start_time_ms: u64,
    /// The standby wrote the rollback image: the upgrade may proceed.
    pub rollback_image: bool,
}

impl RollingUpgrade {
    /// From the JMX attribute: null, or an object whose `finalizeTime` is
    /// 0 until `finalize` (after which the NameNode still reports it).
    pub fn from_jmx(v: &serde_json::Value) -> Option<RollingUpgrade> {
        let o = v.as_object()?;
        if o.get("finalizeTime").and_then(|t| t.as_u64()).unwrap_or(0) != 0 {
            return None;
        }
        Some(RollingUpgrade {
            start_time_ms: o.get("startTime").and_then(|t| t.as_u64()).unwrap_or(0),
            rollback_image: o
                .get("createdRollbackImages")
                .and_then(|b| b.as_bool())
                .unwrap_or(false),
        })
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct NameNodeReading {
    pub id: String,
    pub host: String,
    /// `active`, `standby`, ... from NameNodeStatus.
    pub state: Answer<String>,
    /// From FSNamesystemState.
    pub live_datanodes: Option<u64>,
    /// `Operational` or `safeMode`.
    pub fs_state: Option<String>,
    /// Files, blocks, space, heap and failed volumes (FSNamesystem,
    /// JvmMetrics, NameNodeInfo); None when FSNamesystem did not answer.
    pub hdfs: Option<super::health::HdfsFigures>,
    /// Every DataNode as this NameNode sees it (NameNodeInfo).
    pub datanodes: Option<Vec<super::datanodes::DataNodeView>>,
    /// The rolling upgrade this NameNode knows of, not yet finalized.
    pub rolling_upgrade: Option<RollingUpgrade>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RmReading {
    pub id: String,
    pub host: String,
    /// `ACTIVE`, `STANDBY`, ... from /ws/v1/cluster/info.
    pub ha_state: Answer<String>,
    /// activeNodes from /ws/v1/cluster/metrics (the active RM only answers it).
    pub active_nodes: Option<u64>,
    /// Applications and memory, from the same document.
    pub yarn: Option<super::health::YarnFigures>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ZkReading {
    pub myid: u32,
    pub host: String,
    /// `leader`, `follower`, `standalone`, or the refusal.
    pub mode: Answer<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct MesosReading {
    pub host: String,
    pub elected: Answer<bool>,
    /// activated_slaves from /master/state (answered by the leader only).
    pub activated_agents: Option<u64>,
}

/// Everything gathered in one pass.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Readings {
    /// Host -> its exec reading, or why the host could not be read.
    pub hosts: BTreeMap<String, Answer<HostReading>>,
    pub namenodes: Vec<NameNodeReading>,
    pub resourcemanagers: Vec<RmReading>,
    pub zookeepers: Vec<ZkReading>,
    pub mesos_masters: Vec<MesosReading>,
}

impl Readings {
    /// Whether `role` runs on `host`; None when the host could not be read.
    /// The version `role`'s running process on `host` was started from.
    pub fn version(&self, host: &str, role: &str) -> Option<&str> {
        match self.hosts.get(host) {
            Some(Ok(hr)) if hr.procs.get(role).is_some_and(Proc::runs) => {
                hr.versions.get(role).map(String::as_str)
            }
            _ => None,
        }
    }

    pub fn runs(&self, host: &str, role: &str) -> Option<bool> {
        match self.hosts.get(host) {
            Some(Ok(hr)) => Some(hr.procs.get(role).is_some_and(Proc::runs)),
            _ => None,
        }
    }
}
