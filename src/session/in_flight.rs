//! What the most recent runs left in flight: tasks they started and never
//! saw end (herd was killed, or a connection dropped mid-command), read from
//! their journals, with each stage's timeout from the playbook the run kept.
//! A new run waits for these on its hosts before it runs anything there.

use std::collections::{BTreeMap, HashSet};
use std::path::Path;

use crate::engine::resume::{self, InFlight, Unseen};
use crate::model::Playbook;

/// Runs looked at, newest first: a task older than these is long over.
const RECENT_RUNS: usize = 20;

/// Tasks on `hosts` that the recent runs under `runs_dir` left in flight,
/// except those in `own` (a replay adopts its own).
pub fn left_in_flight(
    runs_dir: &Path,
    hosts: &HashSet<String>,
    own: &BTreeMap<(String, String), Unseen>,
) -> Vec<InFlight> {
    let dirs = crate::report::runs::run_dirs(runs_dir);
    let recent = &dirs[dirs.len().saturating_sub(RECENT_RUNS)..];
    // One history, oldest first: a later run's end of the same task closes it.
    let mut events = Vec::new();
    for d in recent {
        if let Ok(rec) = crate::report::journal::read(d) {
            events.extend(rec.events.into_iter().map(|s| s.event));
        }
    }
    let mut out: Vec<InFlight> = resume::unseen_in_journal(&events)
        .into_iter()
        .filter(|((stage, host), _)| {
            hosts.contains(host) && !own.contains_key(&(stage.clone(), host.clone()))
        })
        .map(|((stage, host), unseen)| {
            let timeout = stage_timeout(&runs_dir.join(&unseen.run), &stage);
            InFlight {
                stage,
                host,
                unseen,
                timeout,
            }
        })
        .collect();
    out.sort_by(|a, b| (&a.host, &a.unseen.run, &a.stage).cmp(&(&b.host, &b.unseen.run, &b.stage)));
    out
}

fn stage_timeout(run_dir: &Path, stage: &str) -> Option<std::time::Duration> {
    let text = std::fs::read_to_string(run_dir.join("playbook.yaml")).ok()?;
    let pb = Playbook::parse(&text, "playbook.yaml").ok()?;
    pb.stages.iter().find(|s| s.name == stage)?.timeout
}
