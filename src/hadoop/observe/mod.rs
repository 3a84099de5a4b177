//! The whole cluster's state: what runs where, which NameNode and
//! ResourceManager are active, which ZooKeeper and Mesos master lead, how
//! many workers the masters see, stale configurations, HDFS and YARN health
//! figures, and the verdict.
//!
//! The [`Layout`] says what should run where. Gathering ([`gather`], or
//! [`connect_and_gather`] from a pool) is one exec per host (pid files,
//! listening ports, stale file) plus the HA endpoints, all hosts at once,
//! into [`Readings`]. The verdict ([`assess`]) is a pure function of the
//! readings (the health figures' too: files, blocks, heap, volumes), so
//! every way a cluster can be degraded or warned about is testable without
//! one; [`format`] prints it as a table.

mod connect;
mod datanodes;
mod endpoints;
mod fold;
mod gather;
mod health;
mod host_script;
mod layout;
mod readings;
mod table;
mod verdict;

pub use connect::{connect, connect_and_gather};
pub use datanodes::DataNodeView;
pub use endpoints::{PROBE_TIMEOUT, parse_srvr};
pub use gather::gather;
pub use health::{HdfsFigures, Heap, VolumeFailure, YarnFigures};
pub use host_script::{host_script, parse_host_output, version_of};
pub use layout::{ExpectedService, HostLayout, Layout};
pub use readings::{
    Answer, HostReading, MesosReading, NameNodeReading, Proc, Readings, RmReading, RollingUpgrade,
    Supervision, UnitState, ZkReading,
};
pub use table::format;
pub use verdict::{
    ClusterSummary, HealthSummary, HostProblem, HostRow, ServiceRow, Status, assess,
};
