//! One run of a plan: connect, execute ready nodes, stop at the first failure
//! (running tasks finish, nothing new starts) unless `--max-failures` lets
//! the run go on without the failed host, report through events.

use std::collections::{BTreeMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures::StreamExt;
use futures::stream::FuturesUnordered;
use petgraph::graph::NodeIndex;
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;
use tracing::Instrument;

use super::counted_out::CountedOutHosts;
use super::failure_budget::MaxFailures;
use crate::events::{CountedOut, Event, RunKind, RunOutcome, TaskOutcome};
use crate::model::{Inventory, Playbook};
use crate::plan::{Node, Plan};
use crate::report::bus::EventBus;
use crate::transport::{Connection, Pool, SshTarget};

/// What this run is and what it may leave out.
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    pub run_id: String,
    pub kind: RunKind,
    pub command_line: String,
    /// Tasks in flight at once across all hosts.
    pub forks: usize,
    /// The run this one continues (replay).
    pub continues: Option<String>,
    /// (stage, host) pairs a previous run completed: journaled as skipped
    /// (replayed), not run again. Their stage gates are still checked.
    pub done_tasks: HashSet<(String, String)>,
    /// Stages left out entirely; dependents treat them as passed.
    pub excluded_stages: HashSet<usize>,
    /// Stages a previous run completed and that run nothing now: if their
    /// gate fails, the cluster changed since, and the error says so.
    pub rechecked_stages: HashSet<usize>,
    /// Stages a previous run completed whose dependents all passed since:
    /// their gates count as passed and are not checked again.
    pub settled_stages: HashSet<usize>,
    /// Tasks an earlier run started without seeing them end, by (stage,
    /// host): their hosts' records are asked before anything runs there.
    pub unseen: BTreeMap<(String, String), super::resume::Unseen>,
    /// Tasks earlier runs left in flight on this run's hosts: each host
    /// waits for its own before it runs anything.
    pub in_flight: Vec<super::resume::InFlight>,
    /// Take over a cluster lease held by a run on another machine, once no
    /// task of that run runs on any host (`--break-lease`).
    pub break_lease: bool,
    /// Hosts the run may count out and go on without (`--max-failures`);
    /// the playbook's `expendable_roles` says which.
    pub max_failures: MaxFailures,
}

/// How the run ended.
#[derive(Debug, Clone)]
pub struct RunReport {
    pub outcome: RunOutcome,
    pub failed_stage: Option<String>,
    /// The first failure, ready to print: stage, host, command, cause.
    pub error: Option<String>,
    pub duration: Duration,
    /// Of `duration`, opening the connections; None if the run stopped
    /// before they were all open.
    pub connect: Option<Duration>,
    /// Of `duration`, running the stages; None if none started.
    pub steps: Option<Duration>,
    /// The hosts the run went on without.
    pub counted_out: Vec<CountedOut>,
}

/// Everything a run needs, borrowed for its duration.
pub struct Engine<'a> {
    pub inventory: &'a Inventory,
    pub playbook: &'a Playbook,
    pub plan: &'a Plan,
    pub pool: &'a Pool,
    /// SSH target of each inventory host, by index.
    pub targets: &'a [SshTarget],
    pub bus: Arc<EventBus>,
    pub cancel: CancellationToken,
    /// Extra top-level template names (e.g. an object with paths the command
    /// prepared), visible to every template of the run.
    pub template_vars: serde_json::Map<String, serde_json::Value>,
    /// The password sudo is given for the stages that become a user
    /// (`--ask-become-pass`); None: sudo must not ask for one.
    pub become_password: Option<crate::transport::BecomePassword>,
}

/// What a node's execution came to.
pub(super) enum NodeResult {
    Ok,
    /// `hosts`: the hosts the failure is theirs (a task's host, a failing
    /// host of a per-host gate); empty when it is the run's or the
    /// cluster's (a journal write, a cluster-level gate).
    Failed {
        stage: usize,
        error: String,
        hosts: Vec<usize>,
    },
    Cancelled,
}

/// Run-wide mutable state shared by node futures.
pub(super) struct RunState {
    pub conns: Vec<Option<Arc<Connection>>>,
    /// How long opening every connection took.
    pub connect: Duration,
    pub connect_errors: Vec<Option<String>>,
    pub stage_started: Mutex<Vec<Option<Instant>>>,
    pub stage_finished: Mutex<Vec<bool>>,
    /// Per stage: did any task actually run its command?
    pub stage_ran: Mutex<Vec<bool>>,
    pub stage_failed: Mutex<Vec<bool>>,
    /// Per host: task records (run, key) whose outcome this run saw.
    pub seen_records: Mutex<Vec<Vec<(String, String)>>>,
    /// Per host: waited for what earlier runs left in flight there (Err:
    /// why not; None inside: cancelled).
    pub settled: Vec<tokio::sync::OnceCell<Result<(), Option<String>>>>,
    pub journal_error: Mutex<Option<String>>,
    pub stopping: AtomicBool,
    pub forks: Semaphore,
    pub base_context: super::template::TemplateContext,
    /// The inventory's and the playbook's secrets, handed to the commands
    /// that refer to them.
    pub secrets: crate::model::Secrets,
    pub counted_out: CountedOutHosts,
}

impl Engine<'_> {
    pub async fn run(&self, opts: &RunOptions) -> RunReport {
        let started = Instant::now();
        let state = self.start(opts).await;
        let report = match state {
            Ok(state) => {
                let steps_from = Instant::now();
                let mut report = self.execute(opts, &state, started).await;
                report.connect = Some(state.connect);
                report.steps = Some(steps_from.elapsed());
                let release = self.lease_releases(&opts.run_id, &state.conns);
                self.clean_records(&state, release).await;
                report
            }
            // Ctrl-C while connecting is an interruption (exit 130), not a failure.
            Err(e) if self.cancel.is_cancelled() => RunReport {
                outcome: RunOutcome::Interrupted,
                failed_stage: None,
                error: Some(e),
                duration: started.elapsed(),
                connect: None,
                steps: None,
                counted_out: Vec::new(),
            },
            Err(e) => RunReport {
                outcome: RunOutcome::Failed,
                failed_stage: None,
                error: Some(e),
                duration: started.elapsed(),
                connect: None,
                steps: None,
                counted_out: Vec::new(),
            },
        };
        let _ = self.bus.emit(Event::RunFinished {
            outcome: report.outcome,
            duration_ms: report.duration.as_millis() as u64,
            connect_ms: report.connect.map(|d| d.as_millis() as u64),
            steps_ms: report.steps.map(|d| d.as_millis() as u64),
            failed_stage: report.failed_stage.clone(),
            error: report.error.clone(),
            counted_out: report.counted_out.clone(),
        });
        self.bus.finish();
        report
    }

    /// Journal the start and connect to every host the run touches.
    async fn start(&self, opts: &RunOptions) -> Result<RunState, String> {
        self.bus.emit(Event::RunStarted {
            run_id: opts.run_id.clone(),
            command: opts.command_line.clone(),
            kind: opts.kind,
            playbook: self.playbook.source.clone(),
            playbook_digest: self.playbook.digest.clone(),
            inventory: self.inventory.path.display().to_string(),
            inventory_digest: self.inventory.digest.clone(),
            stages: self.plan.stages.iter().map(|s| s.name.clone()).collect(),
            hosts: self
                .inventory
                .hosts
                .iter()
                .map(|h| h.name.clone())
                .collect(),
            continues: opts.continues.clone(),
        })?;

        let mut used: Vec<usize> = Vec::new();
        for (i, st) in self.plan.stages.iter().enumerate() {
            if opts.excluded_stages.contains(&i) {
                continue;
            }
            used.extend(st.hosts.iter().chain(st.probe_hosts.iter()));
        }
        used.sort_unstable();
        used.dedup();
        let anchors = self.lease_anchors(&used);
        let targets: Vec<SshTarget> = used
            .iter()
            .chain(&anchors)
            .map(|&h| self.targets[h].clone())
            .collect();
        let connecting = Instant::now();
        let outcomes = tokio::select! {
            o = self.pool.connect_all(&targets) => o,
            _ = self.cancel.cancelled() => return Err("interrupted while connecting".into()),
        };
        let connect = connecting.elapsed();
        let n = self.inventory.hosts.len();
        let mut conns = vec![None; n];
        let mut connect_errors = vec![None; n];
        let mut outcomes = outcomes.into_iter();
        for (&h, outcome) in used.iter().zip(outcomes.by_ref()) {
            let host = self.inventory.hosts[h].name.clone();
            match outcome {
                Ok(c) => {
                    self.bus.emit(Event::HostConnected {
                        host,
                        user: c.remote_user().to_string(),
                        handshake_ms: c.handshake_time().as_millis() as u64,
                    })?;
                    conns[h] = Some(c);
                }
                Err(e) => {
                    self.bus.emit(Event::HostUnreachable {
                        host,
                        error: e.to_string(),
                    })?;
                    connect_errors[h] = Some(e.to_string());
                }
            }
        }
        // Anchors only carry the lease: no event, and one that cannot be
        // reached simply does not hold it.
        for (&h, outcome) in anchors.iter().zip(outcomes) {
            match outcome {
                Ok(c) => conns[h] = Some(c),
                Err(e) => tracing::debug!(
                    "lease anchor {} unreachable: {e}",
                    self.inventory.hosts[h].name
                ),
            }
        }
        self.take_lease(&opts.run_id, opts.break_lease, &conns)
            .await?;
        let counted_out = CountedOutHosts::new(opts.max_failures.hosts(used.len()));
        // A host down from the start is counted out before anything runs, so
        // no gate waits for it; one the budget cannot take fails its first
        // task as it always did, naming the stage and the connect error.
        for &h in &used {
            let Some(e) = &connect_errors[h] else {
                continue;
            };
            let c = CountedOut {
                host: self.inventory.hosts[h].name.clone(),
                stage: None,
                error: format!("unreachable: {e}"),
            };
            if counted_out.admit(vec![(h, c.clone())], |h| {
                self.playbook.expendable(&self.inventory.hosts[h])
            }) {
                self.bus.emit(Event::HostCountedOut(c))?;
            }
        }
        let base_context = self.base_context();
        // sudo is asked once per host before anything runs anywhere: a host
        // that refuses would otherwise fail a stage halfway through the run.
        if let Err(e) = self.check_sudo(opts, &conns, &base_context).await {
            self.release_lease(&opts.run_id, &conns).await;
            return Err(e);
        }
        let stages = self.plan.stages.len();
        Ok(RunState {
            conns,
            connect,
            connect_errors,
            stage_started: Mutex::new(vec![None; stages]),
            stage_finished: Mutex::new(vec![false; stages]),
            stage_ran: Mutex::new(vec![false; stages]),
            stage_failed: Mutex::new(vec![false; stages]),
            seen_records: Mutex::new(vec![Vec::new(); n]),
            settled: (0..n).map(|_| tokio::sync::OnceCell::new()).collect(),
            journal_error: Mutex::new(None),
            stopping: AtomicBool::new(false),
            forks: Semaphore::new(opts.forks.max(1)),
            base_context,
            secrets: self.inventory.secrets.merge(&self.playbook.secrets),
            counted_out,
        })
    }

    async fn execute(&self, opts: &RunOptions, state: &RunState, started: Instant) -> RunReport {
        let graph = &self.plan.graph;
        let mut queue = super::scheduler::DependencyQueue::new(graph);
        let mut running = FuturesUnordered::new();
        let mut first_failure: Option<(usize, String)> = None;
        let mut cancelled = false;
        loop {
            if !state.stopping.load(Ordering::SeqCst) {
                for node in queue.take_ready() {
                    running.push(self.run_node(opts, state, node));
                }
            }
            let Some((node, result)) = running.next().await else {
                break;
            };
            match result {
                NodeResult::Ok => queue.finish(graph, node),
                NodeResult::Failed { stage, error, .. } => {
                    state.stopping.store(true, Ordering::SeqCst);
                    first_failure.get_or_insert((stage, error));
                }
                NodeResult::Cancelled => {
                    state.stopping.store(true, Ordering::SeqCst);
                    cancelled = true;
                }
            }
            if self.cancel.is_cancelled() {
                state.stopping.store(true, Ordering::SeqCst);
                cancelled = true;
            }
        }
        let journal_error = state
            .journal_error
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        let duration = started.elapsed();
        let counted_out = state.counted_out.list();
        let went_on_without = (!counted_out.is_empty())
            .then(|| super::counted_out::describe(&counted_out, state.counted_out.allowed()));
        let report = |outcome, failed_stage, error| RunReport {
            outcome,
            failed_stage,
            error,
            duration,
            connect: None,
            steps: None,
            counted_out: counted_out.clone(),
        };
        if let Some(e) = journal_error {
            return report(RunOutcome::Failed, None, Some(e));
        }
        if let Some((stage, error)) = first_failure {
            let error = match &went_on_without {
                Some(w) => format!("{error}\n{w}"),
                None => error,
            };
            return report(
                RunOutcome::Failed,
                Some(self.plan.stages[stage].name.clone()),
                Some(error),
            );
        }
        if cancelled || !queue.all_done() {
            return report(RunOutcome::Interrupted, None, went_on_without);
        }
        // Done everywhere else: still a failure, which `herd replay` takes up
        // once the hosts are back.
        if let Some(w) = went_on_without {
            let stage = counted_out.iter().find_map(|c| c.stage.clone());
            return report(RunOutcome::Failed, stage, Some(w));
        }
        report(RunOutcome::Succeeded, None, None)
    }

    async fn run_node(
        &self,
        opts: &RunOptions,
        state: &RunState,
        node: NodeIndex,
    ) -> (NodeIndex, NodeResult) {
        let result = match self.plan.graph[node] {
            Node::Task { stage, .. } | Node::Gate { stage, .. }
                if opts.excluded_stages.contains(&stage) =>
            {
                NodeResult::Ok
            }
            // Spans name the stage (and host) in every diagnostic line below.
            Node::Task { stage, host } => {
                self.mark_stage_started(state, stage);
                let span = tracing::debug_span!(
                    "task",
                    stage = %self.plan.stages[stage].name,
                    host = %self.inventory.hosts[host].name
                );
                match self
                    .run_task(opts, state, stage, host)
                    .instrument(span)
                    .await
                {
                    NodeResult::Failed {
                        stage,
                        error,
                        hosts,
                    } => {
                        let failed: Vec<(usize, String)> =
                            hosts.iter().map(|&h| (h, error.clone())).collect();
                        if self.count_out(state, Some(stage), &failed) {
                            NodeResult::Ok
                        } else {
                            NodeResult::Failed {
                                stage,
                                error,
                                hosts,
                            }
                        }
                    }
                    other => other,
                }
            }
            Node::Gate { stage, batch } => {
                self.mark_stage_started(state, stage);
                let span =
                    tracing::debug_span!("gate", stage = %self.plan.stages[stage].name, batch);
                self.run_gate(opts, state, stage, batch)
                    .instrument(span)
                    .await
            }
        };
        if let NodeResult::Failed { stage, .. } = &result {
            self.finish_stage(state, *stage, TaskOutcome::Failed);
        }
        (node, result)
    }

    /// The template context for `host`, with the run's extra names.
    pub(super) fn template_context(
        &self,
        state: &RunState,
        host: usize,
    ) -> super::template::TemplateContext {
        state
            .base_context
            .for_host(self.inventory, self.playbook, host)
    }

    /// The cluster-wide template context with the run's extra names, built
    /// once per run: with every host in it, rebuilding it per task would cost
    /// hosts x tasks.
    fn base_context(&self) -> super::template::TemplateContext {
        let mut ctx = super::template::TemplateContext::cluster(self.inventory, self.playbook);
        for (k, v) in &self.template_vars {
            ctx.set(k, v.clone());
        }
        ctx
    }

    fn mark_stage_started(&self, state: &RunState, stage: usize) {
        let mut started = state
            .stage_started
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        if started[stage].is_none() {
            started[stage] = Some(Instant::now());
            drop(started);
            let st = &self.plan.stages[stage];
            // A probe-only stage counts the hosts its gate looks at.
            let hosts = if st.hosts.is_empty() {
                st.probe_hosts.len()
            } else {
                st.hosts.len()
            };
            self.emit(
                state,
                Event::StageStarted {
                    stage: st.name.clone(),
                    hosts,
                },
            );
        }
    }

    /// Emit once per stage: failed, or done after its final gate.
    pub(super) fn finish_stage(&self, state: &RunState, stage: usize, outcome: TaskOutcome) {
        {
            let mut finished = state
                .stage_finished
                .lock()
                .unwrap_or_else(|p| p.into_inner());
            if finished[stage] {
                return;
            }
            finished[stage] = true;
        }
        if outcome == TaskOutcome::Failed {
            state.stage_failed.lock().unwrap_or_else(|p| p.into_inner())[stage] = true;
        }
        let duration_ms = state
            .stage_started
            .lock()
            .unwrap_or_else(|p| p.into_inner())[stage]
            .map(|t| t.elapsed().as_millis() as u64)
            .unwrap_or(0);
        self.emit(
            state,
            Event::StageFinished {
                stage: self.plan.stages[stage].name.clone(),
                outcome,
                duration_ms,
            },
        );
    }

    /// Emit, and stop the run if the journal cannot be written.
    pub(super) fn emit(&self, state: &RunState, event: Event) {
        if let Err(e) = self.bus.emit(event) {
            let mut slot = state
                .journal_error
                .lock()
                .unwrap_or_else(|p| p.into_inner());
            slot.get_or_insert(e);
            state.stopping.store(true, Ordering::SeqCst);
            self.cancel.cancel();
        }
    }
}
