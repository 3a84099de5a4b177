//! One service check as the runner sees it: its name, the roles it needs
//! hosts for, its time limit, the check itself and the cleanup that runs
//! after any check that did not pass; and the verdict it returns.

use std::time::Duration;

use futures::future::LocalBoxFuture;
use serde::Serialize;

use super::context::Smoke;
use super::deadline::Deadline;
use super::log_tail::LogTail;

/// A check. `run` cleans up after itself when it passes (removing what it
/// made is part of what it proves); `clean` runs after it did not (failed,
/// timed out, interrupted) and removes whatever may be left, by the names
/// the run id gives, or the ones the check recorded in the findings.
pub struct Check {
    pub name: &'static str,
    /// The check is skipped when the inventory has no host with one of these.
    pub needs: &'static [&'static str],
    pub limit: Duration,
    pub run: for<'a> fn(&'a Smoke<'a>, &'a Deadline) -> LocalBoxFuture<'a, Verdict>,
    pub clean: for<'a> fn(&'a Smoke<'a>, &'a Deadline) -> LocalBoxFuture<'a, Result<(), String>>,
}

/// What a check found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// What was proven, in words.
    Pass(String),
    /// Why not, and the log tails of the hosts that failed.
    Fail { reason: String, logs: Vec<LogTail> },
    /// Why the check did not apply.
    Skip(String),
}

impl Verdict {
    pub fn fail(reason: impl Into<String>) -> Verdict {
        Verdict::Fail {
            reason: reason.into(),
            logs: Vec::new(),
        }
    }

    pub fn fail_with(reason: impl Into<String>, logs: Vec<LogTail>) -> Verdict {
        Verdict::Fail {
            reason: reason.into(),
            logs,
        }
    }

    pub fn passed(&self) -> bool {
        matches!(self, Verdict::Pass(_))
    }

    pub fn result(&self) -> CheckResult {
        match self {
            Verdict::Pass(_) => CheckResult::Pass,
            Verdict::Fail { .. } => CheckResult::Fail,
            Verdict::Skip(_) => CheckResult::Skipped,
        }
    }
}

/// A check's result as printed and in JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CheckResult {
    Pass,
    Fail,
    Skipped,
}

impl CheckResult {
    pub fn word(self) -> &'static str {
        match self {
            CheckResult::Pass => "pass",
            CheckResult::Fail => "FAIL",
            CheckResult::Skipped => "skipped",
        }
    }
}
