//! The hosts a run counted out (`--max-failures`): a host failure that fits
//! the budget and falls on expendable hosts lets the run go on without them.
//! They run nothing more, and later gates neither probe them nor count them
//! in `roles`. The run still ends failed, naming each, so `herd replay`
//! finishes their part once they are back.

use std::collections::HashSet;
use std::sync::Mutex;
use std::sync::atomic::Ordering;

use super::run::{Engine, RunState};
use crate::events::{CountedOut, Event};

/// The run's counted-out hosts and how many it may have.
pub(super) struct CountedOutHosts {
    allowed: usize,
    out: Mutex<Vec<(usize, CountedOut)>>,
}

impl CountedOutHosts {
    pub fn new(allowed: usize) -> CountedOutHosts {
        CountedOutHosts {
            allowed,
            out: Mutex::new(Vec::new()),
        }
    }

    pub fn allowed(&self) -> usize {
        self.allowed
    }

    pub fn contains(&self, host: usize) -> bool {
        self.lock().iter().any(|(h, _)| *h == host)
    }

    /// Inventory indices of the hosts counted out so far.
    pub fn hosts(&self) -> HashSet<usize> {
        self.lock().iter().map(|(h, _)| *h).collect()
    }

    /// Every host counted out, in the order it was.
    pub fn list(&self) -> Vec<CountedOut> {
        self.lock().iter().map(|(_, c)| c.clone()).collect()
    }

    /// Counts every one of `failed` out, or none: false when they are not
    /// all expendable, or more distinct hosts than the budget would be out.
    /// Decided under one lock, so two failures at once cannot both fit a
    /// budget with room for one.
    pub fn admit(
        &self,
        failed: Vec<(usize, CountedOut)>,
        expendable: impl Fn(usize) -> bool,
    ) -> bool {
        let mut out = self.lock();
        if failed.is_empty() || !failed.iter().all(|(h, _)| expendable(*h)) {
            return false;
        }
        let mut hosts: HashSet<usize> = out.iter().map(|(h, _)| *h).collect();
        hosts.extend(failed.iter().map(|(h, _)| *h));
        if hosts.len() > self.allowed {
            return false;
        }
        for (h, c) in failed {
            if !out.iter().any(|(x, _)| *x == h) {
                out.push((h, c));
            }
        }
        true
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<(usize, CountedOut)>> {
        self.out.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl Engine<'_> {
    /// Whether the run goes on without `failed` (host, why): journaled as
    /// counted out if so. Never once the run is stopping (a failure beyond
    /// the budget, an interruption, a journal that cannot be written).
    pub(super) fn count_out(
        &self,
        state: &RunState,
        stage: Option<usize>,
        failed: &[(usize, String)],
    ) -> bool {
        if self.cancel.is_cancelled() || state.stopping.load(Ordering::SeqCst) {
            return false;
        }
        let stage_name = stage.map(|s| self.plan.stages[s].name.clone());
        let records: Vec<(usize, CountedOut)> = failed
            .iter()
            .map(|(h, error)| {
                (
                    *h,
                    CountedOut {
                        host: self.inventory.hosts[*h].name.clone(),
                        stage: stage_name.clone(),
                        error: error.clone(),
                    },
                )
            })
            .collect();
        let events: Vec<CountedOut> = records.iter().map(|(_, c)| c.clone()).collect();
        let admitted = state.counted_out.admit(records, |h| {
            self.playbook.expendable(&self.inventory.hosts[h])
        });
        if admitted {
            for c in events {
                self.emit(state, Event::HostCountedOut(c));
            }
        }
        admitted
    }
}

/// How the end of a run names the hosts it went on without.
pub(super) fn describe(out: &[CountedOut], allowed: usize) -> String {
    let mut text = format!(
        "the run went on without {} (--max-failures allowed {allowed}); `herd replay` runs their part once they are back:",
        if out.len() == 1 {
            "1 host".to_string()
        } else {
            format!("{} hosts", out.len())
        }
    );
    for c in out {
        let at = match &c.stage {
            Some(s) => format!("at stage '{s}'"),
            None => "at connect".to_string(),
        };
        let first_line = c.error.lines().next().unwrap_or_default();
        text.push_str(&format!("\n  {} {at}: {first_line}", c.host));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(host: &str) -> CountedOut {
        CountedOut {
            host: host.into(),
            stage: Some("s".into()),
            error: "boom".into(),
        }
    }

    #[test]
    fn the_budget_counts_distinct_hosts_and_admits_all_or_none() {
        let out = CountedOutHosts::new(2);
        assert!(out.admit(vec![(1, c("b"))], |_| true));
        // The same host failing again costs nothing more.
        assert!(out.admit(vec![(1, c("b"))], |_| true));
        assert!(out.admit(vec![(2, c("c"))], |_| true));
        assert!(!out.admit(vec![(3, c("d"))], |_| true));
        assert_eq!(out.hosts(), [1, 2].into_iter().collect());
        assert_eq!(out.list().len(), 2);

        let out = CountedOutHosts::new(1);
        assert!(!out.admit(vec![(1, c("b")), (2, c("c"))], |_| true));
        assert!(
            out.hosts().is_empty(),
            "nothing counted out of a refused pair"
        );
        assert!(!out.admit(vec![(0, c("a"))], |h| h != 0), "not expendable");
        assert!(!CountedOutHosts::new(0).admit(vec![(0, c("a"))], |_| true));
    }

    #[test]
    fn the_summary_names_each_host_its_stage_and_reason() {
        let mut at_connect = c("w3");
        at_connect.stage = None;
        at_connect.error = "unreachable: connection refused\nmore".into();
        let text = describe(&[at_connect, c("w2")], 2);
        assert!(
            text.contains("without 2 hosts (--max-failures allowed 2)"),
            "{text}"
        );
        assert!(
            text.contains("\n  w3 at connect: unreachable: connection refused"),
            "{text}"
        );
        assert!(!text.contains("more"), "{text}");
        assert!(text.contains("\n  w2 at stage 's': boom"), "{text}");
    }
}
