//! One task: a stage's command on one host, behind its guards, with retries.

use std::time::{Duration, Instant};

use super::recover::Recovered;
use super::run::{Engine, NodeResult, RunOptions, RunState};
use super::template::render;
use crate::events::{Event, SkipReason, TaskOutcome};
use crate::transport::output::tail_lines;
use crate::transport::record::{self, TaskRecord};
use crate::transport::{ExecOutput, ExecRequest, TransportError};

/// Guards are quick checks; a hung `unless` must not hang the run.
const GUARD_TIMEOUT: Duration = Duration::from_secs(120);

/// Commands in messages are cut here: enough to recognise, not a wall of text.
const SHOWN_COMMAND: usize = 200;

impl Engine<'_> {
    pub(super) async fn run_task(
        &self,
        opts: &RunOptions,
        state: &RunState,
        stage: usize,
        host: usize,
    ) -> NodeResult {
        let st = &self.playbook.stages[self.plan.stages[stage].stage];
        let host_name = self.inventory.hosts[host].name.clone();
        let stage_name = st.name.clone();
        let started = Instant::now();
        let finish = |outcome: TaskOutcome,
                      skip: Option<SkipReason>,
                      exit_status: Option<u32>,
                      error: Option<String>| {
            Event::TaskFinished {
                stage: stage_name.clone(),
                host: host_name.clone(),
                outcome,
                skip,
                exit_status,
                duration_ms: started.elapsed().as_millis() as u64,
                error,
                unseen: false,
            }
        };

        if opts
            .done_tasks
            .contains(&(stage_name.clone(), host_name.clone()))
        {
            self.emit(
                state,
                finish(TaskOutcome::Skipped, Some(SkipReason::Replayed), None, None),
            );
            return NodeResult::Ok;
        }
        if !st.has_work() {
            return NodeResult::Ok;
        }
        // Journaled as not done: a replay runs it once the host is back.
        if state.counted_out.contains(host) {
            self.emit(
                state,
                finish(
                    TaskOutcome::Skipped,
                    Some(SkipReason::CountedOut),
                    None,
                    None,
                ),
            );
            return NodeResult::Ok;
        }
        let fail = |error: String| {
            let msg = format!("stage '{stage_name}' failed on host {host_name}: {error}");
            (
                msg.clone(),
                NodeResult::Failed {
                    stage,
                    error: msg,
                    hosts: vec![host],
                },
            )
        };
        if let Some(tpl) = &st.when {
            let ctx = self.template_context(state, host);
            match super::when_clause::holds(tpl, &ctx) {
                Ok(true) => {}
                Ok(false) => {
                    self.emit(
                        state,
                        finish(TaskOutcome::Skipped, Some(SkipReason::When), None, None),
                    );
                    return NodeResult::Ok;
                }
                Err(e) => {
                    let (msg, res) = fail(format!("when: {e}"));
                    self.emit(state, finish(TaskOutcome::Failed, None, None, Some(msg)));
                    return res;
                }
            }
        }
        let _permit = tokio::select! {
            p = state.forks.acquire() => p,
            _ = self.cancel.cancelled() => return NodeResult::Cancelled,
        };
        let Some(mut conn) = state.conns[host].clone() else {
            let why = state.connect_errors[host]
                .clone()
                .unwrap_or_else(|| "not connected".into());
            let (msg, res) = fail(format!("host unreachable: {why}"));
            self.emit(state, finish(TaskOutcome::Failed, None, None, Some(msg)));
            return res;
        };
        if conn.is_closed() {
            // The pool reconnects a connection that died between tasks.
            match self.pool.connect(&self.targets[host]).await {
                Ok(c) => conn = c,
                Err(e) => {
                    let (msg, res) = fail(format!("connection lost and reconnecting failed: {e}"));
                    self.emit(state, finish(TaskOutcome::Failed, None, None, Some(msg)));
                    return res;
                }
            }
        }
        let ctx = self.template_context(state, host);
        let rendered = |field: &str, tpl: &str| {
            render(tpl, &ctx).map_err(|e| format!("cannot render {field}: {e}"))
        };
        // Every command of the task (guards, uploads, run) as the become user.
        let sudo = match super::privilege::sudo_for(
            st,
            &self.inventory.hosts[host],
            &ctx,
            self.become_password.as_ref(),
        ) {
            Ok(s) => s,
            Err(e) => {
                let (msg, res) = fail(e);
                self.emit(state, finish(TaskOutcome::Failed, None, None, Some(msg)));
                return res;
            }
        };
        let sudo = sudo.as_ref();

        // Nothing runs on a host beside what an earlier run left running there.
        match self.settle(opts, state, &conn, host).await {
            Ok(()) => {}
            Err(None) => {
                self.emit(state, finish(TaskOutcome::Cancelled, None, None, None));
                return NodeResult::Cancelled;
            }
            Err(Some(e)) => {
                let (msg, res) = fail(e);
                self.emit(state, finish(TaskOutcome::Failed, None, None, Some(msg)));
                return res;
            }
        }
        // A task an earlier run started and never saw end: its host decides
        // before anything else runs, so it never runs twice at once.
        let mut first_attempt = 1;
        let mut adopted: Option<(String, ExecOutput)> = None;
        if let Some(unseen) = opts.unseen.get(&(stage_name.clone(), host_name.clone())) {
            match self
                .recover(state, &conn, &stage_name, host, unseen, st.timeout)
                .await
            {
                Recovered::Run => {}
                Recovered::Ended {
                    exit_status,
                    stdout,
                    stderr,
                } => {
                    first_attempt = unseen.attempt;
                    adopted = Some((
                        unseen.run.clone(),
                        ExecOutput {
                            stdout,
                            stderr,
                            exit_status: Some(exit_status),
                            signal: None,
                        },
                    ));
                }
                Recovered::Cancelled => {
                    self.emit(state, finish(TaskOutcome::Cancelled, None, None, None));
                    return NodeResult::Cancelled;
                }
                Recovered::Failed(e) => {
                    let (msg, res) = fail(e);
                    self.emit(state, finish(TaskOutcome::Failed, None, None, Some(msg)));
                    return res;
                }
            }
        }

        // Guards: skip where the work is already done.
        let mut guards: Vec<(SkipReason, String)> = Vec::new();
        for (reason, field, tpl) in [
            (
                SkipReason::Creates,
                "creates",
                st.creates.as_ref().map(|p| format!("test -e {p}")),
            ),
            (SkipReason::Unless, "unless", st.unless.clone()),
        ] {
            if let Some(tpl) = tpl {
                match rendered(field, &tpl) {
                    Ok(cmd) => guards.push((reason, cmd)),
                    Err(e) => {
                        let (msg, res) = fail(e);
                        self.emit(state, finish(TaskOutcome::Failed, None, None, Some(msg)));
                        return res;
                    }
                }
            }
        }
        for (reason, cmd) in guards.into_iter().filter(|_| adopted.is_none()) {
            let req = ExecRequest {
                command: cmd.clone(),
                stdin: None,
                secrets: state.secrets.referenced(&cmd),
                timeout: Some(GUARD_TIMEOUT),
                record: None,
            };
            match conn.exec_as(&req, sudo, &self.cancel).await {
                Ok(out) if out.success() => {
                    self.emit(
                        state,
                        finish(TaskOutcome::Skipped, Some(reason), None, None),
                    );
                    return NodeResult::Ok;
                }
                Ok(_) => {}
                Err(TransportError::Cancelled { .. }) => {
                    self.emit(state, finish(TaskOutcome::Cancelled, None, None, None));
                    return NodeResult::Cancelled;
                }
                Err(e) => {
                    let (msg, res) = fail(format!("guard `{}`: {e}", shorten(&cmd)));
                    self.emit(state, finish(TaskOutcome::Failed, None, None, Some(msg)));
                    return res;
                }
            }
        }

        if !st.upload.is_empty() && adopted.is_none() {
            let synced = match super::upload_step::plan_files(&st.upload, &ctx) {
                Ok(files) => super::upload_step::sync(&conn, &files, sudo, &self.cancel).await,
                Err(e) => Err(e),
            };
            match synced {
                Ok(written) => {
                    let listing: String =
                        written.iter().map(|p| format!("uploaded {p}\n")).collect();
                    if let Err(e) =
                        self.bus
                            .output(&stage_name, &host_name, listing.as_bytes(), b"")
                    {
                        self.emit(
                            state,
                            finish(TaskOutcome::Failed, None, None, Some(e.clone())),
                        );
                        return NodeResult::Failed {
                            stage,
                            error: e,
                            hosts: Vec::new(),
                        };
                    }
                    if st.run.is_none() {
                        let outcome = if written.is_empty() {
                            TaskOutcome::Skipped
                        } else {
                            TaskOutcome::Ok
                        };
                        let skip = written.is_empty().then_some(SkipReason::Unchanged);
                        if !written.is_empty() {
                            state.stage_ran.lock().unwrap_or_else(|p| p.into_inner())[stage] = true;
                        }
                        self.emit(state, finish(outcome, skip, None, None));
                        return NodeResult::Ok;
                    }
                }
                Err(e) if self.cancel.is_cancelled() => {
                    let _ = e;
                    self.emit(state, finish(TaskOutcome::Cancelled, None, None, None));
                    return NodeResult::Cancelled;
                }
                Err(e) => {
                    let (msg, res) = fail(format!("upload failed: {e}"));
                    self.emit(state, finish(TaskOutcome::Failed, None, None, Some(msg)));
                    return res;
                }
            }
        }
        let Some(run) = &st.run else {
            return NodeResult::Ok;
        };
        let command = match rendered("run", run) {
            Ok(c) => c,
            Err(e) => {
                let (msg, res) = fail(e);
                self.emit(state, finish(TaskOutcome::Failed, None, None, Some(msg)));
                return res;
            }
        };
        state.stage_ran.lock().unwrap_or_else(|p| p.into_inner())[stage] = true;
        let attempts = st.retries + 1;
        let mut attempt = first_attempt;
        loop {
            let (result, from) = match adopted.take() {
                Some((run, out)) => (Ok(out), Some(run)),
                None => {
                    self.emit(
                        state,
                        Event::TaskStarted {
                            stage: stage_name.clone(),
                            host: host_name.clone(),
                            attempt,
                        },
                    );
                    let key = record::key(&host_name, &stage_name, attempt);
                    let req = ExecRequest {
                        command: command.clone(),
                        stdin: None,
                        secrets: state.secrets.referenced(&command),
                        timeout: st.timeout,
                        record: Some(TaskRecord {
                            run: opts.run_id.clone(),
                            key: key.clone(),
                            task: format!("{stage_name} on {host_name}"),
                            timeout: st.timeout,
                        }),
                    };
                    let result = conn.exec_as(&req, sudo, &self.cancel).await;
                    // The record's outcome is seen unless the connection
                    // went away under it.
                    if !result.as_ref().is_err_and(TransportError::outcome_unknown) {
                        self.seen_record(state, host, &opts.run_id, &key);
                    }
                    (result, None)
                }
            };
            let adopted_from = from
                .map(|r| format!(" (its end adopted from run {r}, which started it)"))
                .unwrap_or_default();
            let mut unseen = false;
            let (error, exit_status) = match result {
                Ok(out) => {
                    if let Err(e) =
                        self.bus
                            .output(&stage_name, &host_name, &out.stdout, &out.stderr)
                    {
                        self.emit(
                            state,
                            finish(TaskOutcome::Failed, None, out.exit_status, Some(e.clone())),
                        );
                        return NodeResult::Failed {
                            stage,
                            error: e,
                            hosts: Vec::new(),
                        };
                    }
                    if out.success() {
                        self.emit(state, finish(TaskOutcome::Ok, None, Some(0), None));
                        return NodeResult::Ok;
                    }
                    let status = match (&out.exit_status, &out.signal) {
                        (Some(c), _) => format!("exited with status {c}"),
                        (None, Some(s)) => format!("was killed by signal {s}"),
                        (None, None) => "ended without an exit status".to_string(),
                    };
                    let tail = tail_lines(&out.stderr_str(), 5);
                    let tail = if tail.is_empty() {
                        tail_lines(&out.stdout_str(), 3)
                    } else {
                        tail
                    };
                    let seen = if tail.is_empty() {
                        String::new()
                    } else {
                        format!("; output:\n{tail}")
                    };
                    (
                        format!(
                            "command `{}` {status}{adopted_from}{seen}",
                            shorten(&command)
                        ),
                        out.exit_status,
                    )
                }
                Err(TransportError::Cancelled { .. }) => {
                    self.emit(state, finish(TaskOutcome::Cancelled, None, None, None));
                    return NodeResult::Cancelled;
                }
                Err(e) => {
                    unseen = e.outcome_unknown();
                    (format!("command `{}`: {e}", shorten(&command)), None)
                }
            };
            if attempt >= attempts || self.cancel.is_cancelled() {
                let (msg, res) = fail(if attempts > 1 {
                    format!("{error} (after {attempts} attempts)")
                } else {
                    error
                });
                let mut event = finish(TaskOutcome::Failed, None, exit_status, Some(msg));
                if let Event::TaskFinished { unseen: u, .. } = &mut event {
                    *u = unseen;
                }
                self.emit(state, event);
                return res;
            }
            attempt += 1;
            tokio::select! {
                _ = tokio::time::sleep(Duration::from_secs(u64::from(attempt.min(10)))) => {}
                _ = self.cancel.cancelled() => {
                    self.emit(state, finish(TaskOutcome::Cancelled, None, None, None));
                    return NodeResult::Cancelled;
                }
            }
        }
    }
}

pub(super) fn shorten(cmd: &str) -> String {
    let one_line = cmd.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.chars().count() > SHOWN_COMMAND {
        one_line.chars().take(SHOWN_COMMAND).collect::<String>() + "..."
    } else {
        one_line
    }
}
