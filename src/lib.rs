//! herd: bring up, restart and repair highly available Hadoop and Mesos clusters over SSH.
//!
//! Data flows one way: model (inventory + playbook, validated) -> plan (DAG of
//! stage x host tasks) -> engine (bounded, probe-gated) -> transport (one SSH
//! connection per host). The engine reports through typed events; the progress
//! display, the journal and JSON output are subscribers. A session ties one
//! journaled run together for the command line, which only parses, calls,
//! prints and picks the exit status.

pub mod cli;
pub mod engine;
pub mod events;
pub mod exit;
pub mod hadoop;
pub mod model;
pub mod plan;
pub mod playbooks;
pub mod probe;
pub mod report;
pub mod session;
pub mod shell;
pub mod transport;
