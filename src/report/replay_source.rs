//! The run a replay continues, as the runs list and the journals tell it:
//! which run is picked, the chain of runs it continues, and the kind of run
//! that chain started as.

use std::collections::HashSet;
use std::path::PathBuf;

use super::journal;
use super::runs::{self, RunSummary};
use crate::events::{Event, RunKind};

/// Why no run can be replayed, or not this one. Displayed without the
/// `error:` the command line puts before it.
#[derive(Debug, thiserror::Error)]
pub enum ReplayError {
    #[error("no run '{id}' in {} (see `herd runs`)", runs_dir.display())]
    NoSuchRun { id: String, runs_dir: PathBuf },
    #[error("run '{id}' is ambiguous: {}", candidates.join(", "))]
    Ambiguous { id: String, candidates: Vec<String> },
    #[error("no runs journaled in {}: nothing to replay", .0.display())]
    NoRuns(PathBuf),
    /// The journal cannot be read.
    #[error("{0}")]
    Journal(String),
    #[error("the journal of run {0} does not record its start; it cannot be replayed")]
    NoStart(String),
    #[error("cannot read the playbook the run used ({}): {error}", path.display())]
    SavedPlaybook {
        path: PathBuf,
        error: std::io::Error,
    },
    #[error(
        "refusing to replay run {0}: its inputs changed (pass --allow-changed to replay anyway)"
    )]
    InputsChanged(String),
    #[error(
        "cannot replay run {run}: the journal keeps its playbook with the secret values masked, \
         and {playbook} is no longer the text the run used (restore it, or run it anew)"
    )]
    SecretsNotKept { run: String, playbook: String },
    #[error("no stage '{stage}' in playbook {playbook}; its stages are: {}", stages.join(", "))]
    NoStage {
        stage: String,
        playbook: String,
        stages: Vec<String>,
    },
    /// `kind` as journaled (empty when the journal records none).
    #[error("cannot replay run {run}: runs of kind '{kind}' cannot be replayed")]
    KindNotReplayable { run: String, kind: String },
}

/// Why there is nothing to replay: not an error, the replay just has
/// nothing to do.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NothingToReplay {
    #[error(
        "nothing to replay: run {0} succeeded (use --from STAGE or --only STAGE to re-run a stage)"
    )]
    NamedRunSucceeded(String),
    #[error("nothing to replay: the last run {0} succeeded")]
    LastRunSucceeded(String),
}

/// What picking the run to replay came to.
#[derive(Debug)]
pub enum Picked {
    Run(RunSummary),
    Nothing(NothingToReplay),
}

/// The run to replay: the one named, or the newest that did not succeed and
/// that no later succeeded replay (directly or down a chain) finished. With
/// `--from`/`--only` (`asks_stage`) and nothing unfinished, the newest run.
pub fn pick(
    all: &[RunSummary],
    named: Option<&str>,
    asks_stage: bool,
) -> Result<Picked, ReplayError> {
    if let Some(id) = named {
        let found: Vec<&RunSummary> = match all.iter().find(|r| r.id == id) {
            Some(r) => vec![r],
            None => all.iter().filter(|r| r.id.starts_with(id)).collect(),
        };
        return match found.as_slice() {
            [r] if r.succeeded() && !asks_stage => Ok(Picked::Nothing(
                NothingToReplay::NamedRunSucceeded(r.id.clone()),
            )),
            [r] => Ok(Picked::Run((*r).clone())),
            [] => Err(ReplayError::NoSuchRun {
                id: id.to_string(),
                runs_dir: runs::runs_dir(),
            }),
            many => Err(ReplayError::Ambiguous {
                id: id.to_string(),
                candidates: many.iter().map(|r| r.id.clone()).collect(),
            }),
        };
    }
    let Some(newest) = all.last() else {
        return Err(ReplayError::NoRuns(runs::runs_dir()));
    };
    let mut resolved: HashSet<&str> = HashSet::new();
    for r in all.iter().filter(|r| r.succeeded()) {
        let mut next = r.continues.as_deref();
        while let Some(id) = next {
            if !resolved.insert(id) {
                break;
            }
            next = all
                .iter()
                .find(|p| p.id == id)
                .and_then(|p| p.continues.as_deref());
        }
    }
    if let Some(r) = all
        .iter()
        .rev()
        .find(|r| !r.succeeded() && !resolved.contains(r.id.as_str()))
    {
        return Ok(Picked::Run(r.clone()));
    }
    if asks_stage {
        return Ok(Picked::Run(newest.clone()));
    }
    Ok(Picked::Nothing(NothingToReplay::LastRunSucceeded(
        newest.id.clone(),
    )))
}

/// What the replayed run's journal says about it.
#[derive(Debug, Clone)]
pub struct ReplayedRun {
    pub summary: RunSummary,
    pub events: Vec<Event>,
    /// The playbook's source as journaled: a path, or `bundled:NAME`.
    pub playbook: String,
    pub playbook_digest: String,
    pub inventory: String,
    pub inventory_digest: String,
    /// The journal ends in a partly written line (herd was killed), ignored.
    pub torn_tail: bool,
}

impl ReplayedRun {
    /// Reads the journal of the run `summary` lists.
    pub fn load(summary: RunSummary) -> Result<ReplayedRun, ReplayError> {
        let record = journal::read(&summary.dir).map_err(ReplayError::Journal)?;
        let events: Vec<Event> = record.events.into_iter().map(|s| s.event).collect();
        let started = events.iter().find_map(|e| match e {
            Event::RunStarted {
                playbook,
                playbook_digest,
                inventory,
                inventory_digest,
                ..
            } => Some((
                playbook.clone(),
                playbook_digest.clone(),
                inventory.clone(),
                inventory_digest.clone(),
            )),
            _ => None,
        });
        let Some((playbook, playbook_digest, inventory, inventory_digest)) = started else {
            return Err(ReplayError::NoStart(summary.id));
        };
        Ok(ReplayedRun {
            summary,
            events,
            playbook,
            playbook_digest,
            inventory,
            inventory_digest,
            torn_tail: record.torn_tail,
        })
    }

    /// Where the journal keeps the playbook text the run used.
    pub fn saved_playbook_path(&self) -> PathBuf {
        self.summary.dir.join("playbook.yaml")
    }

    /// The playbook text the run used, which the replay runs. The journal's
    /// copy has its secret values masked (its digest then differs from the
    /// run's); the playbook itself, if it is still the text the run used,
    /// stands in for it.
    pub fn saved_playbook(&self) -> Result<String, ReplayError> {
        use sha2::{Digest, Sha256};
        let digest = |text: &str| hex::encode(Sha256::digest(text.as_bytes()));
        let path = self.saved_playbook_path();
        let saved = std::fs::read_to_string(&path)
            .map_err(|error| ReplayError::SavedPlaybook { path, error })?;
        if digest(&saved) == self.playbook_digest {
            return Ok(saved);
        }
        let current = match self.playbook.strip_prefix("bundled:") {
            Some(name) => crate::playbooks::bundled(name).map(str::to_string),
            None => std::fs::read_to_string(&self.playbook).ok(),
        };
        match current {
            Some(text) if digest(&text) == self.playbook_digest => Ok(text),
            _ => Err(ReplayError::SecretsNotKept {
                run: self.summary.id.clone(),
                playbook: self.playbook.clone(),
            }),
        }
    }
}

/// Where the chain of continued runs stops short of its first run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChainBreak {
    /// The run `missing`, which run `by` continues, is gone.
    Gone { missing: String, by: String },
    /// A journal of the chain cannot be read (the message says which).
    Unreadable(String),
}

/// The events of the run and of every run it continues, oldest first, and
/// where the chain broke, if it did. A replay that failed early never
/// journals the tasks beyond its failure, so what its predecessors
/// completed must come from their journals.
pub fn chain_events(all: &[RunSummary], run: &ReplayedRun) -> (Vec<Event>, Option<ChainBreak>) {
    let mut chain: Vec<Vec<Event>> = vec![run.events.clone()];
    let mut seen: HashSet<&str> = HashSet::from([run.summary.id.as_str()]);
    let mut next = run.summary.continues.as_deref();
    let mut broke = None;
    while let Some(id) = next {
        if !seen.insert(id) {
            break;
        }
        let Some(prev) = all.iter().find(|r| r.id == id) else {
            broke = Some(ChainBreak::Gone {
                missing: id.to_string(),
                by: run.summary.id.clone(),
            });
            break;
        };
        match journal::read(&prev.dir) {
            Ok(rec) => chain.push(rec.events.into_iter().map(|s| s.event).collect()),
            Err(e) => {
                broke = Some(ChainBreak::Unreadable(e));
                break;
            }
        }
        next = prev.continues.as_deref();
    }
    (chain.into_iter().rev().flatten().collect(), broke)
}

/// The kind of run a chain of replays started from (decides the template
/// context to rebuild); None when a run of the chain journaled no start.
pub fn origin_kind(all: &[RunSummary], run: &RunSummary) -> Option<RunKind> {
    let mut current = run;
    for _ in 0..all.len() {
        if current.kind != Some(RunKind::Replay) {
            return current.kind;
        }
        match current
            .continues
            .as_deref()
            .and_then(|id| all.iter().find(|r| r.id == id))
        {
            Some(prev) => current = prev,
            None => break,
        }
    }
    // The chain's start was removed: the bundled playbook only runs as `up`.
    Some(if current.playbook.starts_with("bundled:") {
        RunKind::Up
    } else {
        RunKind::Run
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::RunOutcome;

    fn run(id: &str, outcome: Option<RunOutcome>, continues: Option<&str>) -> RunSummary {
        RunSummary {
            id: id.into(),
            kind: Some(if continues.is_some() {
                RunKind::Replay
            } else {
                RunKind::Run
            }),
            playbook: "p.yaml".into(),
            started: 0.0,
            duration_ms: None,
            outcome,
            failed_stage: None,
            continues: continues.map(Into::into),
            dir: std::path::PathBuf::from(id),
        }
    }

    const FAILED: Option<RunOutcome> = Some(RunOutcome::Failed);
    const SUCCEEDED: Option<RunOutcome> = Some(RunOutcome::Succeeded);
    const INTERRUPTED: Option<RunOutcome> = Some(RunOutcome::Interrupted);
    const INCOMPLETE: Option<RunOutcome> = None;

    fn picked(all: &[RunSummary], named: Option<&str>, stage: bool) -> String {
        match pick(all, named, stage) {
            Ok(Picked::Run(r)) => r.id,
            Ok(Picked::Nothing(m)) => format!("nothing: {m}"),
            Err(m) => format!("bad: {m}"),
        }
    }

    #[test]
    fn the_last_unfinished_run_is_replayed_unless_a_succeeded_replay_chain_finished_it() {
        let all = vec![
            run("1", FAILED, None),
            run("2", FAILED, Some("1")),
            run("3", SUCCEEDED, Some("2")),
        ];
        assert!(
            picked(&all, None, false)
                .starts_with("nothing: nothing to replay: the last run 3 succeeded")
        );
        assert_eq!(picked(&all, None, true), "3");
        let all = vec![
            run("1", FAILED, None),
            run("2", INCOMPLETE, None),
            run("3", SUCCEEDED, Some("2")),
        ];
        assert_eq!(picked(&all, None, false), "1");
        let all = vec![run("1", INTERRUPTED, None), run("2", FAILED, Some("1"))];
        assert_eq!(picked(&all, None, false), "2");
    }

    #[test]
    fn a_named_run_may_be_a_unique_prefix() {
        let all = vec![
            run("20250101-aa", FAILED, None),
            run("20250101-ab", SUCCEEDED, None),
        ];
        assert_eq!(picked(&all, Some("20250101-aa"), false), "20250101-aa");
        assert!(
            picked(&all, Some("20250101-a"), false)
                .starts_with("bad: run '20250101-a' is ambiguous")
        );
        assert!(
            picked(&all, Some("20250101-ab"), false)
                .starts_with("nothing: nothing to replay: run 20250101-ab succeeded")
        );
        assert_eq!(picked(&all, Some("20250101-ab"), true), "20250101-ab");
        assert!(picked(&all, Some("x"), false).starts_with("bad: no run 'x'"));
    }

    #[test]
    fn origin_kind_follows_the_continues_chain() {
        let mut first = run("1", FAILED, None);
        first.kind = Some(RunKind::Up);
        let all = vec![
            first,
            run("2", FAILED, Some("1")),
            run("3", FAILED, Some("2")),
        ];
        assert_eq!(origin_kind(&all, &all[2]), Some(RunKind::Up));
        let orphan = run("9", FAILED, Some("gone"));
        assert_eq!(origin_kind(&all, &orphan), Some(RunKind::Run));
    }

    #[test]
    fn the_chain_says_where_it_breaks() {
        let all = vec![run("2", FAILED, Some("1"))];
        let replayed = ReplayedRun {
            summary: all[0].clone(),
            events: Vec::new(),
            playbook: "p.yaml".into(),
            playbook_digest: String::new(),
            inventory: "i.yaml".into(),
            inventory_digest: String::new(),
            torn_tail: false,
        };
        let (events, broke) = chain_events(&all, &replayed);
        assert!(events.is_empty());
        assert_eq!(
            broke,
            Some(ChainBreak::Gone {
                missing: "1".into(),
                by: "2".into()
            })
        );
    }
}
