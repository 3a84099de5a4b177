//! Typed run events. The engine emits them and never prints; the progress
//! display, `--output json` and the journal subscribe. The journal is the
//! record `herd replay` resumes from, so every outcome a replay needs is here.

use serde::{Deserialize, Serialize};

/// Why a task did not run its command.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SkipReason {
    /// `creates:` path exists.
    Creates,
    /// `unless:` command exited 0.
    Unless,
    /// `when:` rendered `false` for this host: nothing ran there.
    When,
    /// Done by the run a replay continues.
    Replayed,
    /// Every file to upload was already there, identical.
    Unchanged,
    /// Its host was counted out earlier in the run (`--max-failures`): not
    /// done, so a replay runs it.
    CountedOut,
}

/// How a task ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TaskOutcome {
    Ok,
    Skipped,
    Failed,
    Cancelled,
}

/// What a replay learnt from a host about a task whose outcome the run it
/// continues never saw (the controller died or lost the connection).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Recovery {
    /// Still running there: waited for, its result adopted.
    Running,
    /// Ended there: its exit status and output adopted, not run again.
    Finished,
    /// Never started there: run now.
    NotStarted,
    /// Started, but died without recording an end (killed with its shell,
    /// or the host rebooted): run again, guards first.
    Lost,
}

/// What started a run: the sub-command, journaled as `up`, `run`,
/// `restart`, `balance` or `replay`. A replay rebuilds what its chain's first run had.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RunKind {
    Up,
    #[default]
    Run,
    Restart,
    Replay,
    Decommission,
    Recommission,
    Maintenance,
    Balance,
    Upgrade,
}

impl RunKind {
    /// The journaled name.
    pub fn as_str(self) -> &'static str {
        match self {
            RunKind::Up => "up",
            RunKind::Run => "run",
            RunKind::Restart => "restart",
            RunKind::Replay => "replay",
            RunKind::Decommission => "decommission",
            RunKind::Recommission => "recommission",
            RunKind::Maintenance => "maintenance",
            RunKind::Balance => "balance",
            RunKind::Upgrade => "upgrade",
        }
    }
}

impl std::fmt::Display for RunKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How a whole run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RunOutcome {
    Succeeded,
    Failed,
    Interrupted,
}

impl RunOutcome {
    /// The journaled name.
    pub fn as_str(self) -> &'static str {
        match self {
            RunOutcome::Succeeded => "succeeded",
            RunOutcome::Failed => "failed",
            RunOutcome::Interrupted => "interrupted",
        }
    }
}

impl std::fmt::Display for RunOutcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One host's latest probe reading.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProbeReading {
    pub host: String,
    pub pass: bool,
    /// What was seen: a status line, a JSON value, an error, trimmed.
    pub value: String,
}

/// A host a run counted out and went on without (`--max-failures`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CountedOut {
    pub host: String,
    /// The stage it failed; None when it could not be reached at connect time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stage: Option<String>,
    pub error: String,
}

/// Everything that happens during a run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Event {
    RunStarted {
        run_id: String,
        /// The command line as the user typed it, minus nothing secret (herd takes no secrets as flags).
        command: String,
        kind: RunKind,
        playbook: String,
        playbook_digest: String,
        inventory: String,
        inventory_digest: String,
        /// Stage names in plan order.
        stages: Vec<String>,
        hosts: Vec<String>,
        /// The run this one continues (replay).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        continues: Option<String>,
    },
    HostConnected {
        host: String,
        user: String,
        handshake_ms: u64,
    },
    HostUnreachable {
        host: String,
        error: String,
    },
    /// The run goes on without this host (within `--max-failures`): it
    /// runs nothing more, its dependents and later gates leave it out.
    HostCountedOut(CountedOut),
    StageStarted {
        stage: String,
        hosts: usize,
    },
    TaskStarted {
        stage: String,
        host: String,
        attempt: u32,
    },
    TaskFinished {
        stage: String,
        host: String,
        outcome: TaskOutcome,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        skip: Option<SkipReason>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        exit_status: Option<u32>,
        duration_ms: u64,
        /// Failure explanation: exit status and stderr tail, or the transport error.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        error: Option<String>,
        /// The command started, then the controller lost sight of it (the
        /// connection dropped): it may still run or have ended on the host,
        /// and a replay asks the host's record before anything else.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        unseen: bool,
    },
    /// A task an earlier run started without seeing it end, as its host's
    /// record tells it. A `finished` or `running` task is followed by its
    /// adopted `task_finished`; a `not_started` or `lost` one runs.
    TaskRecovered {
        stage: String,
        host: String,
        /// The run that started it.
        run: String,
        recovery: Recovery,
        /// How long it had been running on the host when asked.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        elapsed_ms: Option<u64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        exit_status: Option<u32>,
    },
    ProbeWaiting {
        stage: String,
        batch: usize,
        elapsed_ms: u64,
        readings: Vec<ProbeReading>,
    },
    GatePassed {
        stage: String,
        batch: usize,
        elapsed_ms: u64,
        /// Time since the previous failing poll: the most the gate lagged
        /// behind the condition becoming true.
        #[serde(default)]
        lag_ms: u64,
        readings: Vec<ProbeReading>,
    },
    GateFailed {
        stage: String,
        batch: usize,
        elapsed_ms: u64,
        reason: String,
        readings: Vec<ProbeReading>,
    },
    StageFinished {
        stage: String,
        outcome: TaskOutcome,
        duration_ms: u64,
    },
    RunFinished {
        outcome: RunOutcome,
        duration_ms: u64,
        /// Of `duration_ms`, the time spent opening the connections (TCP,
        /// key exchange, authentication, every host at once); absent in
        /// journals from before it was recorded.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        connect_ms: Option<u64>,
        /// Of `duration_ms`, the time from the first stage's start to the
        /// last one's end.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        steps_ms: Option<u64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        failed_stage: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        error: Option<String>,
        /// The hosts the run went on without, in the order counted out.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        counted_out: Vec<CountedOut>,
    },
}

/// An event with its wall-clock time, as written to the journal and JSON output.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Stamped {
    /// Seconds since the Unix epoch, millisecond precision.
    pub ts: f64,
    #[serde(flatten)]
    pub event: Event,
}

impl Stamped {
    pub fn now(event: Event) -> Stamped {
        let ts = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| (d.as_millis() as f64) / 1000.0)
            .unwrap_or(0.0);
        Stamped { ts, event }
    }
}

/// A consumer of events that only displays or forwards them; the journal is
/// held by the bus (`report::bus`) itself because its errors stop the run.
pub trait Subscriber: Send {
    fn on_event(&mut self, event: &Stamped);
    /// Called once after the last event.
    fn finish(&mut self) {}
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Lines as journals have always held them: they read back, and write
    /// back byte for byte.
    #[test]
    fn journaled_kinds_and_outcomes_keep_their_text() {
        let lines = [
            r#"{"ts":1.5,"event":"run_started","run_id":"r1","command":"herd up","kind":"up","playbook":"bundled:hadoop-ha","playbook_digest":"d","inventory":"i.yaml","inventory_digest":"e","stages":["a"],"hosts":["h"]}"#,
            r#"{"ts":2.0,"event":"run_started","run_id":"r2","command":"herd replay","kind":"replay","playbook":"p.yaml","playbook_digest":"d","inventory":"i.yaml","inventory_digest":"e","stages":[],"hosts":[],"continues":"r1"}"#,
            r#"{"ts":3.0,"event":"run_finished","outcome":"interrupted","duration_ms":7}"#,
            r#"{"ts":4.0,"event":"run_finished","outcome":"failed","duration_ms":7,"failed_stage":"a","error":"boom"}"#,
            r#"{"ts":5.0,"event":"host_counted_out","host":"w3","error":"unreachable: no route"}"#,
            r#"{"ts":6.0,"event":"host_counted_out","host":"w2","stage":"datanode","error":"boom"}"#,
            r#"{"ts":7.0,"event":"task_finished","stage":"datanode","host":"w3","outcome":"skipped","skip":"counted_out","duration_ms":0}"#,
            r#"{"ts":8.0,"event":"run_finished","outcome":"failed","duration_ms":7,"error":"went on","counted_out":[{"host":"w3","error":"unreachable: no route"}]}"#,
        ];
        for line in lines {
            let event: Stamped = serde_json::from_str(line).unwrap();
            assert_eq!(serde_json::to_string(&event).unwrap(), line);
        }
        let kinds = [RunKind::Up, RunKind::Run, RunKind::Restart, RunKind::Replay];
        for kind in kinds {
            assert_eq!(serde_json::to_string(&kind).unwrap(), format!("\"{kind}\""));
        }
        for outcome in [
            RunOutcome::Succeeded,
            RunOutcome::Failed,
            RunOutcome::Interrupted,
        ] {
            assert_eq!(
                serde_json::to_string(&outcome).unwrap(),
                format!("\"{outcome}\"")
            );
        }
    }
}
