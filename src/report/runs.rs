//! The list of journaled runs, as `herd runs` and `herd replay` see it.

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::events::{Event, RunKind, RunOutcome, TaskOutcome};

/// Where herd keeps its state: `$HERD_STATE_DIR`, else `.herd` in the working directory.
pub fn state_dir() -> PathBuf {
    std::env::var_os("HERD_STATE_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(".herd"))
}

pub fn runs_dir() -> PathBuf {
    state_dir().join("runs")
}

/// Every run's journal directory, oldest first (run ids sort by time).
pub fn run_dirs(runs_dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(runs_dir) else {
        return Vec::new();
    };
    let mut dirs: Vec<PathBuf> = entries
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    dirs
}

/// A new run id: sortable by time, unique enough for one controller.
pub fn new_run_id() -> String {
    let now = time::OffsetDateTime::now_utc();
    // Milliseconds keep two runs started in the same second in order: the
    // runs list, and so `herd replay`'s "last run", sort by id.
    let fmt = time::macros::format_description!(
        "[year][month][day]T[hour][minute][second].[subsecond digits:3]Z"
    );
    let stamp = now.format(&fmt).unwrap_or_else(|_| "run".into());
    format!("{stamp}-{:04x}", rand::random::<u16>())
}

/// One run as summarized from its journal.
#[derive(Debug, Clone, Serialize)]
pub struct RunSummary {
    pub id: String,
    /// None when the journal does not record the start; listed as "".
    #[serde(serialize_with = "kind_or_empty")]
    pub kind: Option<RunKind>,
    pub playbook: String,
    pub started: f64,
    pub duration_ms: Option<u64>,
    /// None when the journal records no end (herd died mid-run); listed
    /// as `incomplete`.
    #[serde(serialize_with = "outcome_or_incomplete")]
    pub outcome: Option<RunOutcome>,
    pub failed_stage: Option<String>,
    pub continues: Option<String>,
    pub dir: PathBuf,
}

impl RunSummary {
    /// The kind as listed: empty when the journal does not record it.
    pub fn kind_text(&self) -> &'static str {
        self.kind.map_or("", RunKind::as_str)
    }

    /// The outcome as listed: `succeeded`, `failed`, `interrupted` or `incomplete`.
    pub fn outcome_text(&self) -> &'static str {
        self.outcome.map_or("incomplete", RunOutcome::as_str)
    }

    pub fn succeeded(&self) -> bool {
        self.outcome == Some(RunOutcome::Succeeded)
    }
}

fn kind_or_empty<S: serde::Serializer>(kind: &Option<RunKind>, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(kind.map_or("", RunKind::as_str))
}

fn outcome_or_incomplete<S: serde::Serializer>(
    outcome: &Option<RunOutcome>,
    s: S,
) -> Result<S::Ok, S::Error> {
    s.serialize_str(outcome.map_or("incomplete", RunOutcome::as_str))
}

/// Summarize one run directory.
pub fn summarize(dir: &Path) -> Result<RunSummary, String> {
    let record = super::journal::read(dir)?;
    let id = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut summary = RunSummary {
        id,
        kind: None,
        playbook: String::new(),
        started: 0.0,
        duration_ms: None,
        outcome: None,
        failed_stage: None,
        continues: None,
        dir: dir.to_path_buf(),
    };
    for ev in &record.events {
        match &ev.event {
            Event::RunStarted {
                kind,
                playbook,
                continues,
                ..
            } => {
                summary.kind = Some(*kind);
                summary.playbook = playbook.clone();
                summary.started = ev.ts;
                summary.continues = continues.clone();
            }
            Event::RunFinished {
                outcome,
                duration_ms,
                failed_stage,
                ..
            } => {
                summary.duration_ms = Some(*duration_ms);
                summary.failed_stage = failed_stage.clone();
                summary.outcome = Some(*outcome);
            }
            Event::StageFinished {
                stage,
                outcome: TaskOutcome::Failed,
                ..
            } => {
                summary.failed_stage.get_or_insert_with(|| stage.clone());
            }
            _ => {}
        }
    }
    Ok(summary)
}

/// Every run, oldest first. Unreadable run directories are reported, not fatal.
pub fn list(runs_dir: &Path) -> (Vec<RunSummary>, Vec<String>) {
    let mut runs = Vec::new();
    let mut problems = Vec::new();
    for d in run_dirs(runs_dir) {
        match summarize(&d) {
            Ok(s) => runs.push(s),
            Err(e) => problems.push(e),
        }
    }
    (runs, problems)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_run_without_start_or_end_lists_as_before() {
        let summary = RunSummary {
            id: "r".into(),
            kind: None,
            playbook: String::new(),
            started: 0.0,
            duration_ms: None,
            outcome: None,
            failed_stage: None,
            continues: None,
            dir: PathBuf::from("r"),
        };
        let json = serde_json::to_value(&summary).unwrap();
        assert_eq!(json["kind"], "");
        assert_eq!(json["outcome"], "incomplete");
        let done = RunSummary {
            kind: Some(RunKind::Restart),
            outcome: Some(RunOutcome::Succeeded),
            ..summary
        };
        let json = serde_json::to_value(&done).unwrap();
        assert_eq!(json["kind"], "restart");
        assert_eq!(json["outcome"], "succeeded");
        assert!(done.succeeded());
    }
}
