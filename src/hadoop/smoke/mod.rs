//! `herd smoke`: service checks that prove a brought-up cluster computes,
//! not only that its daemons answer their probes. Each check does real
//! work through the service as its own account (a znode written and read
//! back, a file written on one host and read on another, a MapReduce job,
//! the job in the JobHistory server, a Spark job on YARN seen by the Spark
//! history server, the Mesos agents activated), cleans up
//! after itself, and has a time limit; a failed one shows the log tails of
//! the host that failed.
//!
//! The checks talk to the hosts directly (one root shell per command
//! through the inventory's privilege path, HTTP through the SSH
//! connections) rather than as a generated playbook: each reads what the
//! service answered and the next one builds on it (the JobHistory check
//! looks for the yarn check's job id), and there is nothing to replay, a
//! smoke test is run again whole.
//!
//! A check is one file: a [`Check`] (its name, the roles it needs, its
//! limit, `run` and `clean`) listed in [`CHECKS`]; what it leaves for a
//! later check goes in [`Findings`].

mod active;
mod check;
mod context;
mod deadline;
mod findings;
mod hdfs;
mod jobhistory;
mod log_tail;
mod mapreduce;
mod mesos;
mod placement;
mod remote;
mod report;
mod runner;
mod spark;
mod zookeeper;

pub use check::{Check, CheckResult, Verdict};
pub use context::Smoke;
pub use deadline::{Attempt, Deadline, Polled};
pub use findings::{Findings, MapReduceJob};
pub use log_tail::LogTail;
pub use remote::Remote;
pub use report::{Document, Lines, passed, summary};
pub use runner::{Outcome, run};

/// Every check, in the order they run (jobhistory after yarn, whose job
/// it looks for).
pub const CHECKS: &[&Check] = &[
    &zookeeper::CHECK,
    &hdfs::CHECK,
    &mapreduce::CHECK,
    &jobhistory::CHECK,
    &spark::CHECK,
    &mesos::CHECK,
];

/// The check named `name`.
pub fn check(name: &str) -> Option<&'static Check> {
    CHECKS.iter().copied().find(|c| c.name == name)
}
