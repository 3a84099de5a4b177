//! A task an earlier run started without seeing it end: its host's record
//! says whether it still runs (wait, then adopt its result), ended (adopt
//! its exit status and output), or never started (run it). Never a second
//! copy beside the first.

use std::time::{Duration, Instant};

use tokio_util::sync::CancellationToken;

use super::resume::Unseen;
use super::run::{Engine, RunState};
use crate::events::{Event, Recovery};
use crate::transport::record::{self, HostRecord, MAX_REMOTE_WAIT};
use crate::transport::{Connection, ExecRequest, TransportError};

/// Slack on top of a remote wait before the controller gives up on the
/// answer itself.
const ANSWER_SLACK: Duration = Duration::from_secs(30);

/// A task still running past its timeout plus this is not waited for longer:
/// the host's own watchdog should have ended it.
const OVERDUE: Duration = Duration::from_secs(30);

/// What became of the unseen task.
pub(super) enum Recovered {
    /// It ended on the host; this is what it left.
    Ended {
        exit_status: u32,
        stdout: Vec<u8>,
        stderr: Vec<u8>,
    },
    /// Nothing runs on the host now: run the task (guards first).
    Run,
    Cancelled,
    Failed(String),
}

/// Asks `conn`'s host about one record; `wait` lets a running command end
/// first.
pub async fn ask(
    conn: &Connection,
    run: &str,
    key: &str,
    wait: Duration,
    cancel: &CancellationToken,
) -> Result<HostRecord, TransportError> {
    let req = ExecRequest {
        command: record::query_command(run, key, wait),
        timeout: Some(wait.min(MAX_REMOTE_WAIT) + ANSWER_SLACK),
        ..Default::default()
    };
    let out = conn.exec(&req, cancel).await?;
    record::parse_query(&out).map_err(|reason| TransportError::Channel {
        host: conn.host().to_string(),
        reason,
    })
}

/// How a host's answer reads in the replay's summary.
pub fn describe(rec: &HostRecord) -> String {
    match rec {
        HostRecord::Absent => "never started on the host: it runs".into(),
        HostRecord::Running { elapsed } => format!(
            "still running on the host ({} s so far): waited for, its result adopted",
            elapsed.as_secs()
        ),
        HostRecord::Finished { exit_status, .. } => {
            format!("ended on the host with exit status {exit_status}: adopted, not run again")
        }
        HostRecord::Lost { rebooted: true } => {
            "started, but the host rebooted since and it recorded no end: it runs again".into()
        }
        HostRecord::Lost { rebooted: false } => {
            "started, but died on the host without recording an end: it runs again".into()
        }
    }
}

impl Engine<'_> {
    pub(super) async fn recover(
        &self,
        state: &RunState,
        conn: &Connection,
        stage: &str,
        host_index: usize,
        unseen: &Unseen,
        timeout: Option<Duration>,
    ) -> Recovered {
        let host = self.inventory.hosts[host_index].name.clone();
        let key = record::key(&host, stage, unseen.attempt);
        let started = Instant::now();
        let mut told = false;
        let mut wait = Duration::ZERO;
        loop {
            let rec = match ask(conn, &unseen.run, &key, wait, &self.cancel).await {
                Ok(r) => r,
                Err(TransportError::Cancelled { .. }) => return Recovered::Cancelled,
                Err(e) => {
                    return Recovered::Failed(format!(
                        "cannot ask the host about the task run {} started: {e}",
                        unseen.run
                    ));
                }
            };
            let tell = |recovery: Recovery, elapsed: Option<Duration>, exit: Option<u32>| {
                self.emit(
                    state,
                    Event::TaskRecovered {
                        stage: stage.to_string(),
                        host: host.clone(),
                        run: unseen.run.clone(),
                        recovery,
                        elapsed_ms: elapsed.map(|d| d.as_millis() as u64),
                        exit_status: exit,
                    },
                )
            };
            match rec {
                HostRecord::Absent | HostRecord::Lost { .. } => {
                    let r = match rec {
                        HostRecord::Absent => Recovery::NotStarted,
                        _ => Recovery::Lost,
                    };
                    tell(r, None, None);
                    self.seen_record(state, host_index, &unseen.run, &key);
                    return Recovered::Run;
                }
                HostRecord::Finished {
                    exit_status,
                    stdout,
                    stderr,
                } => {
                    // Said even after `running`: the journal then shows
                    // the wait and its end, and this task is settled.
                    tell(Recovery::Finished, None, Some(exit_status));
                    self.seen_record(state, host_index, &unseen.run, &key);
                    if unseen.rerun {
                        return Recovered::Run;
                    }
                    return Recovered::Ended {
                        exit_status,
                        stdout,
                        stderr,
                    };
                }
                HostRecord::Running { elapsed } => {
                    if !told {
                        tell(Recovery::Running, Some(elapsed), None);
                        told = true;
                    }
                    let so_far = elapsed.max(started.elapsed());
                    if let Some(t) = timeout
                        && so_far > t + OVERDUE
                    {
                        return Recovered::Failed(format!(
                            "the task run {} started is still running on the host {} s after it began, past its timeout of {} s; not starting it again beside it",
                            unseen.run,
                            so_far.as_secs(),
                            t.as_secs()
                        ));
                    }
                    wait = match timeout {
                        Some(t) => (t + OVERDUE)
                            .saturating_sub(so_far)
                            .max(Duration::from_secs(1)),
                        None => MAX_REMOTE_WAIT,
                    };
                }
            }
        }
    }

    /// Waits, once per host, for the tasks earlier runs left in flight there:
    /// nothing of this run may run beside them.
    pub(super) async fn settle(
        &self,
        opts: &super::run::RunOptions,
        state: &RunState,
        conn: &Connection,
        host: usize,
    ) -> Result<(), Option<String>> {
        let name = &self.inventory.hosts[host].name;
        state.settled[host]
            .get_or_init(|| async {
                for f in opts.in_flight.iter().filter(|f| &f.host == name) {
                    let waiting = Unseen {
                        rerun: true,
                        ..f.unseen.clone()
                    };
                    match self
                        .recover(state, conn, &f.stage, host, &waiting, f.timeout)
                        .await
                    {
                        Recovered::Run | Recovered::Ended { .. } => {}
                        Recovered::Cancelled => return Err(None),
                        Recovered::Failed(e) => {
                            return Err(Some(format!(
                                "waiting for stage '{}' of run {}: {e}",
                                f.stage, f.unseen.run
                            )));
                        }
                    }
                }
                Ok(())
            })
            .await
            .clone()
    }

    /// Remember a record whose outcome this run has seen, for removal at the end.
    pub(super) fn seen_record(&self, state: &RunState, host: usize, run: &str, key: &str) {
        state.seen_records.lock().unwrap_or_else(|p| p.into_inner())[host]
            .push((run.to_string(), key.to_string()));
    }

    /// Removes, on every host still connected, the records whose outcomes
    /// this run saw, after running that host's `before` (the lease's
    /// release) in the same command. Best effort and bounded: a record left
    /// behind only costs a few bytes on the host.
    pub(super) async fn clean_records(&self, state: &RunState, before: Vec<Option<String>>) {
        let seen =
            std::mem::take(&mut *state.seen_records.lock().unwrap_or_else(|p| p.into_inner()));
        let cancel = CancellationToken::new();
        let jobs = seen
            .into_iter()
            .zip(before)
            .enumerate()
            .filter_map(|(h, (records, before))| {
                let conn = state.conns[h].clone()?;
                if (records.is_empty() && before.is_none()) || conn.is_closed() {
                    return None;
                }
                let mut command = before.map(|b| format!("{b}; ")).unwrap_or_default();
                if records.is_empty() {
                    command.push_str("exit 0");
                } else {
                    command.push_str(&record::cleanup_command(&records));
                }
                let req = ExecRequest {
                    command,
                    timeout: Some(Duration::from_secs(10)),
                    ..Default::default()
                };
                let cancel = cancel.clone();
                Some(async move {
                    if let Err(e) = conn.exec(&req, &cancel).await {
                        tracing::debug!("task records or lease left on {}: {e}", conn.host());
                    }
                })
            });
        let all = futures::future::join_all(jobs);
        let _ = tokio::time::timeout(Duration::from_secs(15), all).await;
    }
}
