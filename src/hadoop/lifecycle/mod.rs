//! Workers leaving and rejoining service: decommission, recommission and
//! maintenance, each a generated playbook (host lists pushed, the masters
//! told to re-read them, gates on the masters' view of every host), and the
//! record of where each worker stands, which every later render follows.

pub mod admin_view;
pub mod generate;
pub mod mesos_http;
pub mod record;
pub mod refresh;
pub mod registration;
pub mod web_fetch;

pub use record::{Record, WorkerState};

/// The roles a worker host carries; only these hosts have a lifecycle.
pub const WORKER_ROLES: &[&str] = &["datanode", "nodemanager", "mesos-agent"];

/// `dfs.replication` as the NameNodes get it (after overrides).
pub fn replication(inv: &crate::model::Inventory, topo: &super::Topology) -> usize {
    super::render::site_configs(inv, topo)
        .hdfs
        .get("dfs.replication")
        .and_then(|p| p.value.trim().parse().ok())
        .unwrap_or(3)
}
