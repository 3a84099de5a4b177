//! The restart's stages, built as the playbook model's own types: each step
//! a [`Stage`] that runs after the one before it, its gate a [`Probe`] with
//! the patience and polling every gate of a restart shares; beside them the
//! [`Step`]s `--dry-run` prints.

use std::time::Duration;

use super::request::Step;
use crate::model::{Expectation, HostSelector, JsonCheck, Probe, ProbeCheck, Stage};

/// NameNode restarts replay edits and wait for block reports: generous.
pub(super) const NN_TIMEOUT: Duration = Duration::from_secs(300);
pub(super) const TIMEOUT: Duration = Duration::from_secs(180);
/// Gates poll often: a restart waits on many of them in a row.
const INTERVAL: Duration = Duration::from_millis(300);
/// Hadoop's web servers bind the host's name, not the loopback address.
pub(super) const BY_NAME: &str = "{{ host.name }}";

/// The stages generated so far, in the order they run.
#[derive(Debug, Default)]
pub(super) struct Stages {
    pub(super) stages: Vec<Stage>,
    pub(super) steps: Vec<Step>,
    /// The stages the next one waits for: the last one, or every stage of
    /// the last group.
    tail: Vec<String>,
}

impl Stages {
    /// Append `stage`, to run once the last one passed its gate; `restarts`
    /// are the hosts whose daemon it bounces.
    pub(super) fn push(&mut self, stage: Stage, restarts: &[String]) {
        self.push_group(vec![(stage, restarts.to_vec())]);
    }

    /// Append stages that run at once, all after the last one (or the last
    /// group), all before the next.
    pub(super) fn push_group(&mut self, group: Vec<(Stage, Vec<String>)>) {
        let after = std::mem::take(&mut self.tail);
        for (stage, restarts) in group {
            self.steps.push(Step {
                stage: stage.name.clone(),
                description: stage.description.clone().unwrap_or_default(),
                restarts,
            });
            self.tail.push(stage.name.clone());
            self.stages.push(stage.with_depends_on(after.clone()));
        }
    }
}

/// A stage that runs `run` on `hosts`.
pub(super) fn step(name: &str, description: &str, hosts: HostSelector, run: String) -> Stage {
    Stage::new(name, hosts)
        .with_description(description)
        .with_run(run)
}

/// A stage that only waits: its probe, nothing run.
pub(super) fn gate(name: &str, description: &str, hosts: HostSelector, probe: Probe) -> Stage {
    Stage::new(name, hosts)
        .with_description(description)
        .with_probe(probe)
}

/// `check` on each of the stage's hosts, at the host's name.
pub(super) fn probe(check: ProbeCheck, timeout: Duration) -> Probe {
    local_probe(check, timeout).at(BY_NAME)
}

/// `check` on each of the stage's hosts, at 127.0.0.1 (ZooKeeper answers
/// on every address).
pub(super) fn local_probe(check: ProbeCheck, timeout: Duration) -> Probe {
    Probe::new(check)
        .with_timeout(timeout)
        .with_interval(INTERVAL)
}

/// The cluster-level invariant: exactly one host of `role` passes `probe`.
pub(super) fn one_of(role: &str, probe: Probe) -> Probe {
    probe.on(HostSelector::role(role), Expectation::ExactlyOne)
}

/// HTTP 200 at `path`, the JSON at `pointer` equal to `value`.
pub(super) fn http_equals(
    port: u16,
    path: &str,
    pointer: &str,
    value: impl Into<serde_json::Value>,
) -> ProbeCheck {
    ProbeCheck::http_json(port, path, Some(JsonCheck::equals(pointer, value)))
}

/// HTTP 200 at `path`, the JSON at `pointer` matching the regex `pattern`.
pub(super) fn http_matches(port: u16, path: &str, pointer: &str, pattern: &str) -> ProbeCheck {
    ProbeCheck::http_json(
        port,
        path,
        Some(JsonCheck::matches(pointer, regex(pattern))),
    )
}

/// A restart's own pattern: fixed text and numbers, so always valid.
pub(super) fn regex(pattern: &str) -> regex::Regex {
    regex::Regex::new(pattern).expect("the restart's patterns are valid")
}

/// A stage name part from a host or id: lowercase, `[a-z0-9_.-]`.
pub(crate) fn slug(s: &str) -> String {
    s.chars()
        .map(|c| {
            let c = c.to_ascii_lowercase();
            if c.is_ascii_alphanumeric() || "_.-".contains(c) {
                c
            } else {
                '-'
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_stage_runs_after_the_one_before() {
        let mut s = Stages::default();
        let p = || probe(ProbeCheck::Tcp { port: 8485 }, TIMEOUT);
        s.push(gate("a", "first", HostSelector::role("namenode"), p()), &[]);
        s.push(
            step("b", "second", HostSelector::hosts(&["m1"]), "true".into()),
            &["m1".to_string()],
        );
        assert!(s.stages[0].depends_on.is_empty());
        assert_eq!(s.stages[1].depends_on, ["a"]);
        assert_eq!(s.steps[1].description, "second");
        assert_eq!(s.steps[1].restarts, ["m1"]);
    }

    #[test]
    fn a_group_runs_at_once_and_the_next_stage_waits_for_all_of_it() {
        let mut s = Stages::default();
        let run = |n: &str| step(n, n, HostSelector::hosts(&["w1"]), "true".into());
        s.push(run("a"), &[]);
        s.push_group(vec![(run("b"), vec![]), (run("c"), vec!["w1".into()])]);
        s.push(run("d"), &[]);
        assert_eq!(s.stages[1].depends_on, ["a"]);
        assert_eq!(s.stages[2].depends_on, ["a"]);
        assert_eq!(s.stages[3].depends_on, ["b", "c"]);
        assert_eq!(s.steps[2].restarts, ["w1"]);
    }

    #[test]
    fn gates_share_the_restart_patience_and_poll_often() {
        let p = one_of(
            "zookeeper",
            local_probe(
                ProbeCheck::Zk {
                    port: 2181,
                    word: "srvr".into(),
                    matches: Some(regex("Mode: leader")),
                },
                TIMEOUT,
            ),
        );
        assert_eq!(p.timeout, Duration::from_secs(180));
        assert_eq!(p.interval, Duration::from_millis(300));
        assert_eq!(p.address, "127.0.0.1");
        assert_eq!(p.expect, Expectation::ExactlyOne);
        assert_eq!(p.hosts, Some(HostSelector::role("zookeeper")));
        let p = probe(
            http_equals(9870, "/jmx", "/beans/0/State", "active"),
            NN_TIMEOUT,
        );
        assert_eq!(p.address, BY_NAME);
        assert_eq!(p.expect, Expectation::All);
        assert!(p.hosts.is_none());
    }

    #[test]
    fn slugs_are_stage_name_parts() {
        assert_eq!(slug("Worker_1.example.com"), "worker_1.example.com");
        assert_eq!(slug("nn 1"), "nn-1");
    }
}
